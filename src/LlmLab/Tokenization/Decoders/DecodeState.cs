namespace LlmLab.Tokenization;

/// <summary>
/// Where the tokens handed to a decoder chain sit in the whole text, so that a streaming decoder
/// can decode a window of recent tokens and get exactly the text a full decode would give there.
/// </summary>
internal struct DecodeState
{
    /// <summary>The first token handed over is the first token of the text (Metaspace drops its leading space; Strip strips the text start).</summary>
    public bool AtTextStart;

    /// <summary>The last token handed over is the last token of the text (Strip strips the text end).</summary>
    public bool AtTextEnd;

    /// <summary>The token list has been fused into one string, which is a window of the whole text.</summary>
    public bool Fused;

    public static DecodeState WholeText => new() { AtTextStart = true, AtTextEnd = true };
}
