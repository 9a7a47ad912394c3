namespace LlmLab.Generation;

/// <summary>A prompt, the text generated after it, and how fast it came.</summary>
/// <param name="Prompt">The prompt as given.</param>
/// <param name="Completion">The new text (the end-of-sequence token is not shown).</param>
/// <param name="PromptTokens">Prompt length in tokens (special tokens added by the tokenizer included).</param>
/// <param name="NewTokens">Tokens generated (the end-of-sequence token included when it stopped the run).</param>
/// <param name="Stop">Why generation stopped.</param>
/// <param name="TimeToFirstTokenMs">Prefill of the prompt plus the first sampling step.</param>
/// <param name="DecodeTokensPerSecond">Tokens after the first, per second of decode time (0 with fewer than 2 tokens).</param>
/// <param name="TotalMs">Wall time of the whole generation.</param>
/// <param name="Device">Where it ran.</param>
public sealed record GeneratedText(string Prompt, string Completion, int PromptTokens, int NewTokens, StopReason Stop,
    double TimeToFirstTokenMs, double DecodeTokensPerSecond, double TotalMs, string Device);
