namespace LlmLab.Tokenization;

/// <summary>A literal pattern, matched ordinally (the Rust side escapes it into a regex).</summary>
internal sealed class LiteralPattern(string literal) : TextPattern
{
    public string Literal { get; } = literal;

    public override void ForEachMatch(ReadOnlySpan<char> text, IMatchSink sink)
    {
        int offset = 0;
        while (offset <= text.Length - Literal.Length)
        {
            int i = text[offset..].IndexOf(Literal, StringComparison.Ordinal);
            if (i < 0) break;
            sink.OnMatch(offset + i, Literal.Length);
            offset += i + Literal.Length;
        }
    }
}
