namespace LlmLab;

/// <summary>
/// Base of every error LlmLab raises for bad input. Messages name the file, the field or tensor,
/// what is wrong and what to do, so the CLI prints them as one line without a stack trace.
/// </summary>
public abstract class LlmLabException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A checkpoint file (safetensors, index) is missing, corrupt, or inconsistent.</summary>
public sealed class InvalidCheckpointException(string message, Exception? inner = null) : LlmLabException(message, inner);

/// <summary>A model config (config.json, generation_config.json) is absurd, inconsistent or unsupported.</summary>
public sealed class InvalidConfigException(string message, Exception? inner = null) : LlmLabException(message, inner);

/// <summary>A tokenizer.json is not valid or uses features LlmLab does not implement.</summary>
public sealed class InvalidTokenizerException(string message, Exception? inner = null) : LlmLabException(message, inner);

/// <summary>An option given by the user (CLI, magic, API argument) is out of range or inconsistent.</summary>
public sealed class InvalidOptionException(string message, Exception? inner = null) : LlmLabException(message, inner);

/// <summary>A device does not have the memory a plan needs.</summary>
public sealed class OutOfDeviceMemoryException(string message, Exception? inner = null) : LlmLabException(message, inner);
