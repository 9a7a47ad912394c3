using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>Metaspace</c> pre-tokenizer (SentencePiece style): spaces become <c>▁</c>, a
/// <c>▁</c> is prepended per the prepend scheme, and each piece is cut before every <c>▁</c>.
/// </summary>
internal sealed class MetaspacePreTokenizer(MetaspaceMode mode) : PreTokenizer
{
    private readonly LiteralPattern _replacement = new(mode.Replacement);

    public static MetaspacePreTokenizer FromJson(JsonField field) => new(MetaspaceMode.FromJson(field));

    public override void Split(in TextPiece piece, IPieceSink output)
    {
        var p = piece.Materialized();
        string text = p.Span.ToString().Replace(" ", mode.Replacement, StringComparison.Ordinal);
        bool prepend = !text.StartsWith(mode.Replacement, StringComparison.Ordinal) && mode.Prepend switch
        {
            MetaspacePrepend.Always => true,
            MetaspacePrepend.First => p.AtTextStart,
            _ => false,
        };
        if (prepend) text = mode.Replacement + text;
        p = p.With(text);
        if (!mode.Split)
        {
            output.Add(p);
            return;
        }
        PieceSplitter.Split(p, _replacement, SplitDelimiterBehavior.MergedWithNext, invert: false, output);
    }
}
