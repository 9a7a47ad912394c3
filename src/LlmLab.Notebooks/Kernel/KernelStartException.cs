namespace LlmLab.Notebooks.Kernel;

/// <summary>The kernel process could not be started, or did not answer kernel_info in time.</summary>
public sealed class KernelStartException(string message, Exception? inner = null) : LlmLabException(message, inner);
