namespace LlmLab.Tokenization;

/// <summary>Start and length (UTF-16 units) of one match inside the text handed to a <see cref="TextPattern"/>.</summary>
internal readonly record struct MatchSpan(int Start, int Length)
{
    public int End => Start + Length;
}
