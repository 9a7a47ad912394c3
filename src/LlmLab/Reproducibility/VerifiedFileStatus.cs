namespace LlmLab.Reproducibility;

/// <summary>How one weight file compared with its expected hash.</summary>
public enum VerifiedFileStatus
{
    /// <summary>The file's SHA-256 equals the expected one.</summary>
    Match,

    /// <summary>The file exists and its SHA-256 differs from the expected one.</summary>
    Mismatch,

    /// <summary>The expected file is not in the model folder.</summary>
    Missing,

    /// <summary>A weight file of the model that no expected hash covers.</summary>
    Unexpected,
}
