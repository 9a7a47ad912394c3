using System.Globalization;
using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// Splits where a character predicate holds: tokenizers' <c>WhitespaceSplit</c>, <c>Digits</c>,
/// <c>Punctuation</c> and the two steps of <c>BertPreTokenizer</c>.
/// </summary>
/// <param name="predicate">Which code points are delimiters.</param>
/// <param name="behavior">What to do with them.</param>
/// <param name="eachCharAlone">Each delimiter code point is its own match; otherwise a run of them is one match.</param>
internal sealed class CharClassPreTokenizer(Func<Rune, bool> predicate, SplitDelimiterBehavior behavior, bool eachCharAlone) : PreTokenizer
{
    public static bool IsWhitespace(Rune r) => Rune.IsWhiteSpace(r);

    /// <summary>Rust's <c>char::is_numeric</c>: general categories Nd, Nl, No.</summary>
    public static bool IsNumeric(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>BERT's punctuation: any ASCII punctuation or symbol character, or a Unicode P* character.</summary>
    public static bool IsPunctuation(Rune r)
    {
        if (r.IsAscii) return char.IsAsciiLetterOrDigit((char)r.Value) is false && r.Value is > 32 and < 127;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    public override void Split(in TextPiece piece, IPieceSink output)
    {
        var p = piece.Materialized();
        var span = p.Span;
        var splitter = new PieceSplitter(p, behavior, invert: false, output);
        int runStart = -1; // start of the current run of delimiters, when runs are one match
        int i = 0;
        while (i < span.Length)
        {
            Rune.DecodeFromUtf16(span[i..], out var rune, out int width);
            if (predicate(rune))
            {
                if (eachCharAlone) splitter.OnMatch(i, width);
                else if (runStart < 0) runStart = i;
            }
            else if (runStart >= 0)
            {
                splitter.OnMatch(runStart, i - runStart);
                runStart = -1;
            }
            i += width;
        }
        if (runStart >= 0) splitter.OnMatch(runStart, span.Length - runStart);
        splitter.Finish();
    }
}
