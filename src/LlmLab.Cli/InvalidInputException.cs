namespace LlmLab.Cli;

/// <summary>
/// A command's own input data is bad (an input_ids file without input_ids, stdin that is not a JSON array of
/// strings): printed as one line with <see cref="ExitCodes.BadData"/>, as the engine's checkpoint and tokenizer errors are.
/// </summary>
internal sealed class InvalidInputException(string message) : LlmLabException(message);
