namespace LlmLab.Notebooks.Polyglot;

/// <summary>
/// One parameter of a magic as a Polyglot <c>KernelDirectiveParameter</c> describes it, so that
/// <c>extension.dib</c> only copies fields (it cannot be compiled here, so it holds as little logic as possible).
/// </summary>
/// <param name="Name">Parameter name with dashes, e.g. <c>--tokens</c>.</param>
/// <param name="Description">Hover help.</param>
/// <param name="Flag">Whether it takes no value.</param>
/// <param name="MaxOccurrences">How often it may be given.</param>
/// <param name="AllowImplicitName">Whether it may be given without its name (the first positional argument).</param>
public sealed record PolyglotDirectiveParameter(string Name, string Description, bool Flag, int MaxOccurrences, bool AllowImplicitName);
