namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>PrependScheme</c>.</summary>
internal enum MetaspacePrepend
{
    /// <summary>Every piece that does not start with the replacement gets one.</summary>
    Always,

    /// <summary>Only the piece at the very start of the text.</summary>
    First,

    /// <summary>No piece.</summary>
    Never,
}
