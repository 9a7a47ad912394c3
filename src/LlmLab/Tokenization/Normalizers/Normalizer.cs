using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers.json's <c>normalizer</c>: rewrites each stretch of text between raw-matched added
/// tokens before pre-tokenization.
/// </summary>
internal abstract class Normalizer
{
    internal const string Supported = "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip";

    public abstract string Normalize(string text);

    public static Normalizer FromJson(JsonField field, TimeSpan regexTimeout)
    {
        string type = field.TypeTag();
        return type switch
        {
            "Sequence" => new SequenceNormalizer(field.Get("normalizers").Items().Select(f => FromJson(f, regexTimeout)).ToArray()),
            "Prepend" => new PrependNormalizer(field.String("prepend")),
            "Replace" => new ReplaceNormalizer(TextPattern.FromJson(field.Get("pattern"), regexTimeout), field.String("content")),
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(field.Bool("strip_left", true), field.Bool("strip_right", true)),
            _ => throw field.Get("type").Unsupported(type, Supported),
        };
    }
}
