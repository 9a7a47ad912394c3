namespace LlmLab.Tokenization;

/// <summary>What a splitting pre-tokenizer does with the text its pattern matches (tokenizers' <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitDelimiterBehavior
{
    /// <summary>Drop the matches; keep the text between them.</summary>
    Removed,

    /// <summary>Each match and each gap becomes its own piece.</summary>
    Isolated,

    /// <summary>Each match is glued to the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>Each match is glued to the piece after it.</summary>
    MergedWithNext,

    /// <summary>Consecutive matches form one piece, consecutive gaps another.</summary>
    Contiguous,
}
