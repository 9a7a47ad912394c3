using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>ByteLevel</c> pre-tokenizer: optionally prepends a space, optionally splits with
/// GPT-2's regex, then marks each piece for the byte → character mapping (done lazily, see
/// <see cref="TextPiece.ByteLevel"/>).
/// </summary>
internal sealed class ByteLevelPreTokenizer : PreTokenizer
{
    /// <summary>GPT-2's pre-tokenization regex (contractions, letters, digits, other, whitespace).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly bool _addPrefixSpace;
    private readonly TokenizerRegex? _regex;

    /// <param name="addPrefixSpace">Prepend a space to a piece that does not start with one.</param>
    /// <param name="useRegex">Split with <see cref="Gpt2Pattern"/>.</param>
    /// <param name="regexTimeout">Match timeout of that regex.</param>
    /// <param name="where">The pre-tokenizer's field, named by errors.</param>
    public ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex, TimeSpan regexTimeout, JsonField where)
    {
        _addPrefixSpace = addPrefixSpace;
        if (useRegex) _regex = TokenizerRegex.Compile(Gpt2Pattern, where, regexTimeout);
    }

    public override void Split(in TextPiece piece, IPieceSink output)
    {
        var p = piece.Materialized();
        if (_addPrefixSpace && !p.Span.StartsWith(' '))
        {
            p = p.With(" " + p.Span.ToString());
        }
        p = p with { ByteLevel = true };
        if (_regex is null)
        {
            output.Add(p);
            return;
        }
        PieceSplitter.Split(p, _regex, SplitDelimiterBehavior.Isolated, invert: false, output);
    }
}
