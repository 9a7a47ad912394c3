namespace LlmLab.Tokenization;

/// <summary>
/// A piece of text on its way through pre-tokenization: <c>Text[Start..Start+Length]</c>, without
/// copying. <see cref="ByteLevel"/> records that the ByteLevel pre-tokenizer has been applied but
/// its byte → character mapping not yet materialized: the BPE model reads the UTF-8 bytes
/// directly, and only a later pre-tokenizer that must see the mapped text pays for the copy.
/// </summary>
/// <param name="Text">The string the piece lies in.</param>
/// <param name="Start">First UTF-16 unit of the piece.</param>
/// <param name="Length">Length in UTF-16 units.</param>
/// <param name="AtTextStart">The piece begins at offset 0 of the original text (Metaspace's <c>prepend_scheme: first</c>).</param>
/// <param name="ByteLevel">The model must see the byte-level characters of the UTF-8 bytes of this text.</param>
internal readonly record struct TextPiece(string Text, int Start, int Length, bool AtTextStart, bool ByteLevel)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);

    public override string ToString() => Span.ToString();

    /// <summary>The sub-piece <c>[offset, offset+length)</c> of this piece.</summary>
    public TextPiece Slice(int offset, int length) =>
        new(Text, Start + offset, length, AtTextStart && offset == 0, ByteLevel);

    /// <summary>A piece over new text that replaces this one (after a rewrite such as Metaspace's).</summary>
    public TextPiece With(string text) => new(text, 0, text.Length, AtTextStart, ByteLevel);

    /// <summary>This piece with its pending byte-level mapping written out as characters.</summary>
    public TextPiece Materialized()
    {
        if (!ByteLevel) return this;
        string mapped = ByteLevelText(Span);
        return new TextPiece(mapped, 0, mapped.Length, AtTextStart, ByteLevel: false);
    }

    /// <summary>The byte-level characters of the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static string ByteLevelText(ReadOnlySpan<char> text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text)];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(bytes.Length, bytes, static (chars, b) => ByteLevelAlphabet.Map(b, chars));
    }
}
