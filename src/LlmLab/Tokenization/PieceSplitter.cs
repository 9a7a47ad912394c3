namespace LlmLab.Tokenization;

/// <summary>
/// Cuts a <see cref="TextPiece"/> at the matches of a pattern according to a
/// <see cref="SplitDelimiterBehavior"/>, as tokenizers' <c>NormalizedString::split</c> does;
/// empty pieces are dropped, as <c>PreTokenizedString::split</c> does.
/// </summary>
internal static class PieceSplitter
{
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

    /// <param name="piece">The piece that was searched.</param>
    /// <param name="matches">Matches inside <paramref name="piece"/>, offsets relative to its start, sorted, non-overlapping.</param>
    /// <param name="behavior">What to do with the matched text.</param>
    /// <param name="invert">Treat the gaps as the matches and the matches as the gaps.</param>
    /// <param name="output">Receives the non-empty pieces, in order.</param>
    public static void Split(in TextPiece piece, List<MatchSpan> matches, SplitDelimiterBehavior behavior, bool invert, List<TextPiece> output)
    {
        if (behavior == SplitDelimiterBehavior.Isolated)
        {
            // Fast path for the common case: every gap and every match is a piece (invert changes nothing).
            int previous = 0;
            foreach (var m in matches)
            {
                Emit(piece, previous, m.Start, output);
                Emit(piece, m.Start, m.End, output);
                previous = m.End;
            }
            Emit(piece, previous, piece.Length, output);
            return;
        }

        var segments = new List<(int Start, int End, bool IsMatch)>(2 * matches.Count + 1);
        int prev = 0;
        foreach (var m in matches)
        {
            if (prev != m.Start) segments.Add((prev, m.Start, invert));
            segments.Add((m.Start, m.End, !invert));
            prev = m.End;
        }
        if (prev != piece.Length) segments.Add((prev, piece.Length, invert));

        var kept = new List<(int Start, int End)>(segments.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitDelimiterBehavior.Removed:
                foreach (var s in segments)
                {
                    if (!s.IsMatch) kept.Add((s.Start, s.End));
                }
                break;
            case SplitDelimiterBehavior.MergedWithPrevious:
                foreach (var s in segments)
                {
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
            case SplitDelimiterBehavior.MergedWithNext:
                for (int i = segments.Count - 1; i >= 0; i--)
                {
                    var s = segments[i];
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (s.Start, kept[^1].End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                kept.Reverse();
                break;
            case SplitDelimiterBehavior.Contiguous:
                foreach (var s in segments)
                {
                    if (s.IsMatch == previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
        }
        foreach (var (start, end) in kept) Emit(piece, start, end, output);
    }

    private static void Emit(in TextPiece piece, int start, int end, List<TextPiece> output)
    {
        if (end > start) output.Add(piece.Slice(start, end - start));
    }
}
