using System.Text;
using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

public sealed partial class Tokenizer
{
    /// <summary>Spellings of a beginning-of-sequence token, for files whose post-processor does not add one.</summary>
    private static readonly string[] BosSpellings = ["<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>"];

    private readonly string _source;
    private readonly BpeModel _model;
    private readonly Normalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly TokenDecoder? _decoder;
    private readonly PostProcessor? _postProcessor;
    private readonly Dictionary<int, AddedToken> _addedById = [];
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    private readonly AddedTokenMatcher _rawAddedTokens;
    private readonly AddedTokenMatcher _normalizedAddedTokens;

    private Tokenizer(JsonField root, TimeSpan regexTimeout) : this(
        root.Source,
        ReadModel(root.Get("model")),
        root.Find("normalizer") is { } n ? Normalizer.FromJson(n, regexTimeout) : null,
        root.Find("pre_tokenizer") is { } p ? PreTokenizer.FromJson(p, regexTimeout) : null,
        root.Find("decoder") is { } d ? TokenDecoder.FromJson(d, regexTimeout) : null,
        root.Find("post_processor") is { } pp ? PostProcessor.FromJson(pp) : null,
        root.Find("added_tokens")?.Items().Select(AddedToken.FromJson).ToList() ?? [],
        bosTokenId: null)
    {
    }

    /// <summary>
    /// A tokenizer from its parts (a tokenizer.json's, or those <see cref="GgufTokenizer"/> builds from GGUF metadata).
    /// <paramref name="bosTokenId"/> overrides the BOS the post-processor or the added tokens imply.
    /// </summary>
    internal Tokenizer(string source, BpeModel model, Normalizer? normalizer, PreTokenizer? preTokenizer, TokenDecoder? decoder,
        PostProcessor? postProcessor, IReadOnlyList<AddedToken> addedTokens, int? bosTokenId)
    {
        _source = source;
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _decoder = decoder;
        _postProcessor = postProcessor;

        var added = addedTokens.Where(t => t.Content.Length > 0).ToList();
        foreach (var token in added)
        {
            _addedById[token.Id] = token;
            _addedByContent.TryAdd(token.Content, token.Id);
        }
        _rawAddedTokens = new AddedTokenMatcher(added.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedAddedTokens = new AddedTokenMatcher(added.Where(t => t.Normalized)
            .Select(t => (_normalizer?.Normalize(t.Content) ?? t.Content, t)));

        VocabSize = Math.Max(_model.IdCount, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        BosTokenId = bosTokenId
            ?? _postProcessor?.LeadingSpecialTokenId
            ?? added.FirstOrDefault(t => t.Special && BosSpellings.Contains(t.Content))?.Id;

        var steps = _decoder?.Steps.ToArray() ?? [];
        DecoderHasByteFallback = steps.OfType<ByteFallbackDecoder>().Any();
        // A Strip with stop > 0 that runs on the fused text strips the end of the whole text:
        // a streaming decoder must hold such characters back until it knows they are not the end.
        bool fused = false;
        foreach (var step in steps)
        {
            if (step is FuseDecoder or ByteLevelDecoder) fused = true;
            if (fused && step is StripDecoder { Stop: > 0 } strip) StreamHold = (strip.Content, strip.Stop);
        }
    }

    /// <summary>The decoder joins runs of <c>&lt;0xNN&gt;</c> tokens, so a stream must not cut inside one.</summary>
    internal bool DecoderHasByteFallback { get; }

    /// <summary>Trailing characters a stream holds back (a fused Strip's <c>stop</c>), or count 0.</summary>
    internal (Rune Content, int Count) StreamHold { get; }

    /// <summary>Reads a tokenizer.json (or a gzip-compressed one, e.g. <c>tokenizer.json.gz</c>).</summary>
    /// <param name="path">Path of the file.</param>
    /// <exception cref="InvalidTokenizerException">The file is missing, unreadable, not JSON, or not a tokenizer LlmLab supports; the message names the file and the field.</exception>
    public static Tokenizer FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = TokenizerFile.ReadJsonBytes(path);
        ReadOnlyMemory<byte> json = bytes;
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..];
        return Parse(source: path, parse: options => JsonDocument.Parse(json, options), TokenizerRegex.DefaultMatchTimeout);
    }

    /// <summary>Builds a tokenizer from the text of a tokenizer.json.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <exception cref="InvalidTokenizerException">The text is not JSON or not a tokenizer LlmLab supports; the message names the source and the field.</exception>
    public static Tokenizer FromJson(string json, string source) => FromJson(json, source, TokenizerRegex.DefaultMatchTimeout);

    /// <summary><see cref="FromJson(string, string)"/> with a chosen regex match timeout (tests use a short one).</summary>
    internal static Tokenizer FromJson(string json, string source, TimeSpan regexTimeout)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        TokenizerFile.CheckNotObviouslyWrong(Encoding.UTF8.GetBytes(json.Length > 64 ? json[..64] : json), source);
        return Parse(source, options => JsonDocument.Parse(json, options), regexTimeout);
    }

    private static Tokenizer Parse(string source, Func<JsonDocumentOptions, JsonDocument> parse, TimeSpan regexTimeout)
    {
        JsonDocument document;
        try
        {
            document = parse(new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidTokenizerException(
                JsonField.OneLine($"{source}: not valid JSON ({e.Message}); download the file again, and check that it is a tokenizer.json"), e);
        }
        using (document)
        {
            var root = new JsonField(document.RootElement, "", source);
            if (root.Kind != JsonValueKind.Object)
            {
                throw root.Fail("the JSON is not an object", "pass a tokenizer.json, which holds an object with a \"model\"");
            }
            return new Tokenizer(root, regexTimeout);
        }
    }

    private static BpeModel ReadModel(JsonField model)
    {
        // Old files may lack "type"; a model with merges is BPE.
        string type = model.Find("type") is { } t ? t.GetString() : model.Has("merges") ? "BPE" : "(none)";
        return type switch
        {
            "BPE" => BpeModel.FromJson(model),
            "WordPiece" or "WordLevel" or "Unigram" => throw model.Get("type").Fail(
                $"{JsonField.Quote(type)} models are not supported; LlmLab implements BPE (GPT-2, Llama, Mistral, Qwen...)",
                "use a model whose tokenizer.json has a BPE model"),
            _ => throw (model.Has("type") ? model.Get("type") : model).Fail(
                $"{JsonField.Quote(type)} is not a tokenizer model type", "the model type must be \"BPE\" (LlmLab supports BPE only)"),
        };
    }
}
