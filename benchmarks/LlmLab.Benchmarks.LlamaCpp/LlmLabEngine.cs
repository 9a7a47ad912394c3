using System.Diagnostics;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// LlmLab's CPU backend on the GGUF file as stored (no conversion at load), driven as <see cref="Benchmark"/> drives it:
/// <see cref="InferenceSession.Step"/> computes the last position's logits; the CPU backend returns when they are done
/// (<see cref="LlmLab.Backends.IBackend.Synchronize"/> is still called before the clock is read).
/// Threads: the CPU kernels use <see cref="Environment.ProcessorCount"/>, which DOTNET_PROCESSOR_COUNT sets.
/// </summary>
internal sealed class LlmLabEngine : IEngineUnderTest
{
    private readonly Transformer _model;
    private readonly InferenceSession _session;

    public LlmLabEngine(string path, int contextTokens)
    {
        _model = Transformer.Load(path, new CpuBackend());
        // One step takes the whole prompt, as llama.cpp's n_ubatch 512 does for every P used here.
        _session = _model.CreateSession(1, contextTokens, Math.Max(InferenceSession.DefaultChunk, contextTokens));
    }

    public string Name => "LlmLab";

    /// <summary>The loaded model (for bytes per token).</summary>
    public Transformer Model => _model;

    public RepetitionTiming Measure(int[] prompt, int[] decode)
    {
        _session.Reset();
        var clock = Stopwatch.StartNew();
        _session.Step(prompt);
        _model.Backend.Synchronize();
        double prefill = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = 0; i < decode.Length; i++) _session.Step(decode.AsSpan(i, 1));
        _model.Backend.Synchronize();
        return new RepetitionTiming(prefill, clock.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _session.Dispose();
        _model.Dispose();
    }
}
