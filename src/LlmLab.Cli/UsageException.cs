namespace LlmLab.Cli;

/// <summary>
/// A wrong command line found after parsing (a --text file that does not exist, an --out that exists): printed as
/// one line, <c>llmlab CMD: message</c>, with <see cref="ExitCodes.BadCommandLine"/>.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
