namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// One system loaded with one GGUF file, timed the way llama-bench times llama.cpp: a prefill of the whole prompt
/// (its "pp" test) and then decode steps of one token each on top of that context (its "tg" test at depth P).
/// </summary>
internal interface IEngineUnderTest : IDisposable
{
    /// <summary>Name printed in the table ("LlmLab", "llama.cpp").</summary>
    string Name { get; }

    /// <summary>
    /// Clears the context, then times the prefill of <paramref name="prompt"/> (P tokens, one call) and the decode of
    /// <paramref name="decode"/> one token per call at positions P, P + 1, …; each timing waits until the work is done.
    /// </summary>
    RepetitionTiming Measure(int[] prompt, int[] decode);
}

/// <summary>Wall-clock seconds of one repetition: prefill of P tokens, decode of N tokens.</summary>
internal sealed record RepetitionTiming(double PrefillSeconds, double DecodeSeconds);
