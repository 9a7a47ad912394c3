namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// A message or connection file that breaks the Jupyter messaging protocol: a missing frame, a bad signature, a
/// dict that is not JSON, a connection file without its ports or key.
/// </summary>
public sealed class JupyterProtocolException(string message, Exception? inner = null) : LlmLabException(message, inner);
