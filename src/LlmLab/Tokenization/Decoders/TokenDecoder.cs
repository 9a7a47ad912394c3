using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// A step of tokenizer.json's <c>decoder</c>: rewrites the list of token strings on the way back
/// to text (tokenizers' <c>decode_chain</c>); the final text is the concatenation of the list.
/// </summary>
internal abstract class TokenDecoder
{
    internal const string Supported = "Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip";

    public abstract void DecodeChain(List<string> tokens, ref DecodeState state);

    /// <summary>The steps this decoder runs, in order (itself, or a sequence's steps flattened).</summary>
    public virtual IEnumerable<TokenDecoder> Steps => [this];

    public static TokenDecoder FromJson(JsonField field, TimeSpan regexTimeout)
    {
        string type = field.TypeTag();
        return type switch
        {
            "Sequence" => new SequenceDecoder(field.Get("decoders").Items().Select(f => FromJson(f, regexTimeout)).ToArray()),
            "ByteLevel" => new ByteLevelDecoder(),
            "Metaspace" => new MetaspaceDecoder(MetaspaceMode.FromJson(field)),
            "Replace" => new ReplaceDecoder(TextPattern.FromJson(field.Get("pattern"), regexTimeout), field.String("content")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => StripDecoder.FromJson(field),
            _ => throw field.Get("type").Unsupported(type, Supported),
        };
    }
}
