using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>The streaming splitter against a direct, list-based rendering of tokenizers' split folds.</summary>
public sealed class PieceSplitterTests
{
    [Theory]
    [InlineData("Removed")]
    [InlineData("Isolated")]
    [InlineData("MergedWithPrevious")]
    [InlineData("MergedWithNext")]
    [InlineData("Contiguous")]
    public void Streaming_split_gives_the_pieces_of_the_reference_fold(string behaviorName)
    {
        var behavior = Enum.Parse<SplitDelimiterBehavior>(behaviorName);
        var random = new Random((int)behavior + 7);
        for (int trial = 0; trial < 500; trial++)
        {
            int length = random.Next(0, 20);
            string text = new(Enumerable.Range(0, length).Select(i => (char)('a' + i)).ToArray());
            var matches = new List<MatchSpan>();
            for (int p = 0; p < length;)
            {
                int gap = random.Next(0, 3), size = random.Next(0, 3); // empty matches included
                if (p + gap + size > length) break;
                matches.Add(new MatchSpan(p + gap, size));
                p += gap + Math.Max(size, 1);
            }
            foreach (bool invert in new[] { false, true })
            {
                var piece = new TextPiece(text, 0, length, AtTextStart: true, ByteLevel: false);
                var output = new PieceList();
                var splitter = new PieceSplitter(piece, behavior, invert, output);
                foreach (var m in matches) splitter.OnMatch(m.Start, m.Length);
                splitter.Finish();
                Assert.Equal(Reference(text, matches, behavior, invert), output.Select(p => p.ToString()).ToArray());
            }
        }
    }

    /// <summary>tokenizers' NormalizedString::split, written as its folds over (offsets, is_match) pairs.</summary>
    private static string[] Reference(string text, List<MatchSpan> matches, SplitDelimiterBehavior behavior, bool invert)
    {
        var segments = new List<(int S, int E, bool M)>();
        int prev = 0;
        foreach (var m in matches)
        {
            if (prev != m.Start) segments.Add((prev, m.Start, false));
            segments.Add((m.Start, m.End, true));
            prev = m.End;
        }
        if (prev != text.Length) segments.Add((prev, text.Length, false));
        if (invert) segments = segments.Select(s => (s.S, s.E, !s.M)).ToList();

        var kept = new List<(int S, int E)>();
        bool previous = false;
        switch (behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                kept = segments.Select(s => (s.S, s.E)).ToList();
                break;
            case SplitDelimiterBehavior.Removed:
                kept = segments.Where(s => !s.M).Select(s => (s.S, s.E)).ToList();
                break;
            case SplitDelimiterBehavior.MergedWithPrevious:
                foreach (var s in segments)
                {
                    if (s.M && !previous && kept.Count > 0) kept[^1] = (kept[^1].S, s.E);
                    else kept.Add((s.S, s.E));
                    previous = s.M;
                }
                break;
            case SplitDelimiterBehavior.MergedWithNext:
                foreach (var s in Enumerable.Reverse(segments))
                {
                    if (s.M && !previous && kept.Count > 0) kept[^1] = (s.S, kept[^1].E);
                    else kept.Add((s.S, s.E));
                    previous = s.M;
                }
                kept.Reverse();
                break;
            case SplitDelimiterBehavior.Contiguous:
                foreach (var s in segments)
                {
                    if (s.M == previous && kept.Count > 0) kept[^1] = (kept[^1].S, s.E);
                    else kept.Add((s.S, s.E));
                    previous = s.M;
                }
                break;
        }
        return kept.Where(k => k.E > k.S).Select(k => text[k.S..k.E]).ToArray();
    }
}
