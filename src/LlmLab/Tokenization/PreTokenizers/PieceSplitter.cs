using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// Cuts one <see cref="TextPiece"/> at the matches of a pattern according to a
/// <see cref="SplitDelimiterBehavior"/>, as tokenizers' <c>NormalizedString::split</c> does, and
/// passes the non-empty pieces on as soon as they are known (tokenizers drops empty pieces too).
/// Feed it the matches with <see cref="OnMatch"/>, then call <see cref="Finish"/>.
/// </summary>
internal sealed class PieceSplitter : IMatchSink
{
    private readonly TextPiece _piece;
    private readonly SplitDelimiterBehavior _behavior;
    private readonly bool _invert;
    private readonly IPieceSink _output;
    private int _previousEnd;          // end of the last match: the next gap starts here
    private int _pendingStart = -1;    // a piece held back because the next segment may join it
    private int _pendingEnd;
    private bool _previousIsMatch;     // flag of the last segment seen (tokenizers' previous_match)

    /// <param name="piece">The piece being cut; match offsets are relative to its start.</param>
    /// <param name="behavior">What to do with the matched text.</param>
    /// <param name="invert">Treat the gaps as the matches and the matches as the gaps.</param>
    /// <param name="output">Receives the pieces, in order.</param>
    public PieceSplitter(in TextPiece piece, SplitDelimiterBehavior behavior, bool invert, IPieceSink output)
    {
        _piece = piece;
        _behavior = behavior;
        _invert = invert;
        _output = output;
    }

    public static SplitDelimiterBehavior ParseBehavior(JsonField field)
    {
        string name = field.GetString();
        return name switch
        {
            "Removed" => SplitDelimiterBehavior.Removed,
            "Isolated" => SplitDelimiterBehavior.Isolated,
            "MergedWithPrevious" => SplitDelimiterBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitDelimiterBehavior.MergedWithNext,
            "Contiguous" => SplitDelimiterBehavior.Contiguous,
            _ => throw field.Fail($"{JsonField.Quote(name)} is not a split behavior",
                "use one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous"),
        };
    }

    /// <summary>Cuts <paramref name="piece"/> at the matches of <paramref name="pattern"/>.</summary>
    public static void Split(in TextPiece piece, TextPattern pattern, SplitDelimiterBehavior behavior, bool invert, IPieceSink output)
    {
        var splitter = new PieceSplitter(piece, behavior, invert, output);
        pattern.ForEachMatch(piece.Span, splitter);
        splitter.Finish();
    }

    public void OnMatch(int start, int length)
    {
        if (start != _previousEnd) Segment(_previousEnd, start, _invert);
        Segment(start, start + length, !_invert);
        _previousEnd = start + length;
    }

    /// <summary>Ends the piece: the text after the last match, and any held-back piece.</summary>
    public void Finish()
    {
        if (_previousEnd != _piece.Length) Segment(_previousEnd, _piece.Length, _invert);
        if (_pendingStart >= 0) Emit(_pendingStart, _pendingEnd);
        _pendingStart = -1;
    }

    /// <summary>One segment of the piece, matched or not, in order (the fold of tokenizers' split).</summary>
    private void Segment(int start, int end, bool isMatch)
    {
        switch (_behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                Emit(start, end);
                break;
            case SplitDelimiterBehavior.Removed:
                if (!isMatch) Emit(start, end);
                break;
            case SplitDelimiterBehavior.MergedWithPrevious:
                // A match after a non-match joins the piece before it.
                if (isMatch && !_previousIsMatch && _pendingStart >= 0) _pendingEnd = end;
                else Hold(start, end);
                break;
            case SplitDelimiterBehavior.MergedWithNext:
                // A match joins the piece after it when that one is not a match.
                if (_pendingStart >= 0 && !isMatch)
                {
                    Emit(_pendingStart, end);
                    _pendingStart = -1;
                }
                else if (isMatch)
                {
                    Hold(start, end);
                }
                else
                {
                    Emit(start, end);
                }
                break;
            case SplitDelimiterBehavior.Contiguous:
                if (isMatch == _previousIsMatch && _pendingStart >= 0) _pendingEnd = end;
                else Hold(start, end);
                break;
        }
        _previousIsMatch = isMatch;
    }

    /// <summary>Emits the held piece, if any, and holds this one instead.</summary>
    private void Hold(int start, int end)
    {
        if (_pendingStart >= 0) Emit(_pendingStart, _pendingEnd);
        _pendingStart = start;
        _pendingEnd = end;
    }

    private void Emit(int start, int end)
    {
        if (end > start) _output.Add(_piece.Slice(start, end - start));
    }
}
