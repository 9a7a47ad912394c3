namespace LlmLab.Cli;

/// <summary>
/// The exit codes of every <c>llmlab</c> command (<c>run</c> included), so a script can tell a mistake in its own
/// command line from a problem in the files it pointed at.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// A data file is bad or does not suit the options: a checkpoint, tokenizer, text or notebook that cannot be read
    /// or fails validation, a text too short for the windows asked for, a notebook cell that failed.
    /// </summary>
    public const int BadData = 1;

    /// <summary>
    /// The command line alone is wrong: an unknown command or option, a missing or malformed value, a value out of
    /// its declared range (<c>--temperature -1</c>, <c>--top-p 2</c>, <c>--batch 0</c>), an unknown device, preset
    /// or quantization type, a path that does not exist, an output that exists without <c>--force</c>.
    /// </summary>
    public const int BadCommandLine = 2;

    /// <summary>A CUDA call (driver, NVRTC, cuBLASLt) failed on the device.</summary>
    public const int DeviceFailure = 3;
}
