namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Split</c>: cuts at the matches of a literal or regex pattern.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitDelimiterBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(in TextPiece piece, IPieceSink output) =>
        PieceSplitter.Split(piece.Materialized(), pattern, behavior, invert, output);
}
