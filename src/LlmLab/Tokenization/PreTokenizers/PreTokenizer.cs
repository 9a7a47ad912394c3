using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// A step of tokenizer.json's <c>pre_tokenizer</c>: cuts a piece of (normalized) text into
/// smaller pieces, each of which the model encodes on its own.
/// </summary>
internal abstract class PreTokenizer
{
    internal const string Supported = "Sequence, Split, ByteLevel, Metaspace, Whitespace, WhitespaceSplit, Digits, Punctuation, BertPreTokenizer";

    /// <summary>Passes the non-empty pieces <paramref name="piece"/> splits into to <paramref name="output"/>, in order.</summary>
    public abstract void Split(in TextPiece piece, IPieceSink output);

    public static PreTokenizer FromJson(JsonField field, TimeSpan regexTimeout)
    {
        string type = field.TypeTag();
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(
                field.Get("pretokenizers").Items().Select(f => FromJson(f, regexTimeout)).ToArray()),
            "Split" => new SplitPreTokenizer(
                TextPattern.FromJson(field.Get("pattern"), regexTimeout),
                PieceSplitter.ParseBehavior(field.Get("behavior")),
                field.Bool("invert", false)),
            "ByteLevel" => new ByteLevelPreTokenizer(
                addPrefixSpace: field.Bool("add_prefix_space", true),
                useRegex: field.Bool("use_regex", true),
                regexTimeout,
                field),
            "Metaspace" => MetaspacePreTokenizer.FromJson(field),
            "Whitespace" => new SplitPreTokenizer(
                TokenizerRegex.Compile(@"\w+|[^\w\s]+", field, regexTimeout), SplitDelimiterBehavior.Removed, invert: true),
            "WhitespaceSplit" => new CharClassPreTokenizer(CharClassPreTokenizer.IsWhitespace, SplitDelimiterBehavior.Removed, eachCharAlone: false),
            "Digits" => new CharClassPreTokenizer(CharClassPreTokenizer.IsNumeric, SplitDelimiterBehavior.Isolated,
                eachCharAlone: field.Bool("individual_digits", false)),
            "Punctuation" => new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation,
                field.Find("behavior") is { } b ? PieceSplitter.ParseBehavior(b) : SplitDelimiterBehavior.Isolated, eachCharAlone: true),
            "BertPreTokenizer" => new SequencePreTokenizer(
            [
                new CharClassPreTokenizer(CharClassPreTokenizer.IsWhitespace, SplitDelimiterBehavior.Removed, eachCharAlone: false),
                new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, SplitDelimiterBehavior.Isolated, eachCharAlone: true),
            ]),
            _ => throw field.Get("type").Unsupported(type, Supported),
        };
    }
}
