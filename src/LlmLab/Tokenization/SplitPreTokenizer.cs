namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Split</c>: cuts at the matches of a literal or regex pattern.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitDelimiterBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(in TextPiece piece, List<TextPiece> output)
    {
        var p = piece.Materialized();
        var matches = new List<MatchSpan>();
        pattern.FindMatches(p.Span, matches);
        PieceSplitter.Split(p, matches, behavior, invert, output);
    }
}
