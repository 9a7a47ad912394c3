namespace LlmLab.Cuda;

/// <summary>Decode ops the bench may leave out to measure their cost in a whole step (results are wrong meanwhile).</summary>
[Flags]
internal enum TimingOmission
{
    None = 0,
    /// <summary>Decode attention (one new token per sequence).</summary>
    DecodeAttention = 1,
    /// <summary>AddRmsNorm of decode rows.</summary>
    AddNorms = 2,
}
