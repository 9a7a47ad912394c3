using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// Builds a <see cref="Tokenizer"/> from a GGUF file's <c>tokenizer.ggml.*</c> metadata, with the meaning llama.cpp's
/// llama-vocab.cpp gives those keys, out of the same parts a tokenizer.json loads into:
/// <list type="bullet">
/// <item><c>model</c> = <c>gpt2</c>: byte-level BPE over <c>tokens</c> and <c>merges</c>, pre-tokenized by the regex of
/// the model family <c>pre</c> names (the one that family's tokenizer.json uses).</item>
/// <item><c>model</c> = <c>llama</c>: SentencePiece BPE over <c>tokens</c> and <c>scores</c>: the pair whose joined text is
/// the highest-scoring token merges first, leftmost on ties (llama.cpp's llm_tokenizer_spm); spaces become ▁, a ▁ is
/// prepended (<c>add_space_prefix</c>), characters without a token fall back to <c>&lt;0xNN&gt;</c> byte tokens.</item>
/// </list>
/// Tokens of type control (3), user-defined (4) and unknown (2) are matched in the raw text as added tokens, as
/// llama.cpp and tokenizers both do; unused slots (5, convert's [PADn] padding) hold no token.
/// </summary>
public static class GgufTokenizer
{
    /// <summary>tokenizer.ggml.model values implemented here.</summary>
    public static IReadOnlyList<string> SupportedModels { get; } = ["gpt2", "llama"];

    /// <summary>tokenizer.ggml.pre values implemented for gpt2 vocabularies.</summary>
    public static IReadOnlyList<string> SupportedPreTokenizers => PreTokenizers.Keys.ToArray();

    /// <summary>llama.cpp's token types (gguf-py TokenType); a file without <c>token_type</c> has only normal tokens.</summary>
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>SentencePiece's stand-in for a space.</summary>
    private const string SentencePieceSpace = "\u2581";

    /// <summary>llama.cpp's default ids for SentencePiece vocabularies when the keys are absent.</summary>
    private const int LlamaDefaultBos = 1, LlamaDefaultEos = 2, LlamaDefaultUnk = 0;

    // The pre-tokenizer regexes of the HF tokenizer.json files of these families (llama.cpp runs hand-adapted copies).
    private const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>How a gpt2 vocabulary's family pre-tokenizes, and llama.cpp's defaults for it.</summary>
    /// <param name="Pattern">Split regex before the byte-level mapping; null: GPT-2's ByteLevel regex.</param>
    /// <param name="IgnoreMerges">A piece that is itself a token is not merged (llama.cpp's ignore_merges; Llama 3's tokenizer.json).</param>
    /// <param name="AddBos">llama.cpp's add_bos when add_bos_token is absent.</param>
    /// <param name="Nfc">NFC-normalize first (Qwen's tokenizer.json has an NFC normalizer; llama.cpp skips it).</param>
    private sealed record PreTokenization(string? Pattern, bool IgnoreMerges, bool AddBos, bool Nfc);

    private static readonly Dictionary<string, PreTokenization> PreTokenizers = new(StringComparer.Ordinal)
    {
        ["llama-bpe"] = new(Llama3Pattern, IgnoreMerges: true, AddBos: true, Nfc: false),
        ["llama3"] = new(Llama3Pattern, IgnoreMerges: true, AddBos: true, Nfc: false),
        ["llama-v3"] = new(Llama3Pattern, IgnoreMerges: true, AddBos: true, Nfc: false),
        ["qwen2"] = new(Qwen2Pattern, IgnoreMerges: false, AddBos: false, Nfc: true),
        ["gpt-2"] = new(null, IgnoreMerges: false, AddBos: false, Nfc: false),
        ["default"] = new(null, IgnoreMerges: false, AddBos: false, Nfc: false),
    };

    /// <summary>Reads the tokenizer of the GGUF file <paramref name="path"/> from its <paramref name="metadata"/>.</summary>
    /// <exception cref="InvalidTokenizerException">A tokenizer key is missing, inconsistent or unsupported; the message names the file and key.</exception>
    public static Tokenizer Read(IReadOnlyDictionary<string, GgufValue> metadata, string path) =>
        Read(metadata, path, TokenizerRegex.DefaultMatchTimeout);

    /// <summary><see cref="Read(IReadOnlyDictionary{string, GgufValue}, string)"/> with a chosen regex match timeout.</summary>
    internal static Tokenizer Read(IReadOnlyDictionary<string, GgufValue> metadata, string path, TimeSpan regexTimeout)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(path);
        var m = new GgufMetadataFields(metadata, path, message => new InvalidTokenizerException(message));
        string model = m.RequiredString("tokenizer.ggml.model");
        if (!SupportedModels.Contains(model))
            throw m.Error("tokenizer.ggml.model", $"is '{model}'; LlmLab reads {string.Join(" and ", SupportedModels)} (byte-level and SentencePiece BPE) vocabularies");
        var vocab = Vocabulary.Read(m);
        return model == "gpt2" ? BuildByteLevel(m, vocab, regexTimeout) : BuildSentencePiece(m, vocab);
    }

    /// <summary>Byte-level BPE (Llama 3, Qwen, GPT-2): merges from the file, regex split, byte-level mapping.</summary>
    private static Tokenizer BuildByteLevel(GgufMetadataFields m, Vocabulary v, TimeSpan regexTimeout)
    {
        const string preKey = "tokenizer.ggml.pre";
        string pre = m.OptionalString(preKey) ?? "default";
        if (!PreTokenizers.TryGetValue(pre, out var family))
            throw m.Error(preKey, $"is '{pre}'; supported pre-tokenizers: {string.Join(", ", PreTokenizers.Keys)}");
        var merges = ReadMerges(m, v);
        var model = BpeModel.FromVocabulary(v.ModelVocab, v.ModelIdToToken, merges, v.UnknownId(m, defaultId: null),
            fuseUnk: false, byteFallback: false, ignoreMerges: family.IgnoreMerges);

        // Regexes are constants here; errors they raise (a timeout) name the key that chose them.
        var where = new JsonField(default, preKey, m.Path);
        PreTokenizer preTokenizer = family.Pattern is null
            ? new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true, regexTimeout, where)
            : new SequencePreTokenizer(
            [
                new SplitPreTokenizer(TokenizerRegex.Compile(family.Pattern, where, regexTimeout), SplitDelimiterBehavior.Isolated, invert: false),
                new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: false, regexTimeout, where),
            ]);
        var normalizer = family.Nfc ? new UnicodeFormNormalizer(NormalizationForm.FormC) : null;
        var (bos, post) = SpecialTokens(m, v, defaultBos: null, defaultEos: null, defaultAddBos: family.AddBos);
        return new Tokenizer(m.Path, model, normalizer, preTokenizer, new ByteLevelDecoder(), post, v.AddedTokens, bos);
    }

    /// <summary>SentencePiece BPE (Llama 2, Mistral): merge order from the scores, ▁ for spaces, byte fallback.</summary>
    private static Tokenizer BuildSentencePiece(GgufMetadataFields m, Vocabulary v)
    {
        var merges = MergesFromScores(m, v);
        var model = BpeModel.FromVocabulary(v.ModelVocab, v.ModelIdToToken, merges, v.UnknownId(m, LlamaDefaultUnk),
            fuseUnk: true, byteFallback: true, ignoreMerges: false);
        bool addSpacePrefix = m.OptionalBool("tokenizer.ggml.add_space_prefix") ?? true;
        // llama.cpp puts a space before each stretch of text at the start or after a special token, then escapes
        // spaces as ▁; tokenizers' Prepend normalizer on each stretch between added tokens does the same.
        var escape = new ReplaceNormalizer(new LiteralPattern(" "), SentencePieceSpace);
        Normalizer normalizer = addSpacePrefix ? new SequenceNormalizer([new PrependNormalizer(SentencePieceSpace), escape]) : escape;
        var decodeSteps = new List<TokenDecoder> { new ReplaceDecoder(new LiteralPattern(SentencePieceSpace), " "), new ByteFallbackDecoder(), new FuseDecoder() };
        if (addSpacePrefix) decodeSteps.Add(new StripDecoder(new Rune(' '), 1, 0)); // the prefix space is not text
        var (bos, post) = SpecialTokens(m, v, LlamaDefaultBos, LlamaDefaultEos, defaultAddBos: true);
        return new Tokenizer(m.Path, model, normalizer, preTokenizer: null, new SequenceDecoder(decodeSteps.ToArray()), post, v.AddedTokens, bos);
    }

    /// <summary>tokenizer.ggml.merges: "left right" lines, rank = line; the first of a repeated pair wins (llama.cpp's emplace).</summary>
    private static Dictionary<long, BpeMerge> ReadMerges(GgufMetadataFields m, Vocabulary v)
    {
        const string key = "tokenizer.ggml.merges";
        string[] lines = m.OptionalStringArray(key) ?? throw m.Error(key, "is missing; a gpt2 (byte-level BPE) vocabulary needs its merge rules");
        var merges = new Dictionary<long, BpeMerge>(lines.Length);
        for (int rank = 0; rank < lines.Length; rank++)
        {
            string line = lines[rank];
            // llama.cpp splits at the first space after the first character, so a left part may begin with one.
            int space = line.Length > 1 ? line.IndexOf(' ', 1) : -1;
            if (space < 0)
                throw m.Error(key, $"entry {rank} is {JsonField.Quote(line)}, not two tokens separated by a space; the file's merges are corrupt");
            string left = line[..space], right = line[(space + 1)..];
            int leftId = v.MergeOperand(m, key, rank, left), rightId = v.MergeOperand(m, key, rank, right);
            int newId = v.MergeOperand(m, key, rank, left + right);
            merges.TryAdd(BpeMerger.PairKey(leftId, rightId), new BpeMerge(rank, newId));
        }
        return merges;
    }

    /// <summary>
    /// SentencePiece merges: every split of a normal token into two vocabulary tokens is a merge yielding it, ranked by
    /// the token's score (higher first). Equal scores share a rank, so the merger takes the leftmost pair first, as
    /// llama.cpp's priority queue does.
    /// </summary>
    private static Dictionary<long, BpeMerge> MergesFromScores(GgufMetadataFields m, Vocabulary v)
    {
        const string key = "tokenizer.ggml.scores";
        float[] scores = m.OptionalFloatArray(key) ?? throw m.Error(key, "is missing; a llama (SentencePiece) vocabulary orders its merges by these scores");
        if (scores.Length != v.Count)
            throw m.Error(key, $"holds {scores.Length} scores for {v.Count} tokens in tokenizer.ggml.tokens; there must be one per token");
        for (int i = 0; i < scores.Length; i++)
            if (!float.IsFinite(scores[i])) throw m.Error(key, $"holds {scores[i]} for token {i}; scores must be finite");
        float[] distinct = scores.Distinct().OrderDescending().ToArray();
        var rankOf = new Dictionary<float, int>(distinct.Length);
        for (int r = 0; r < distinct.Length; r++) rankOf[distinct[r]] = r;

        var merges = new Dictionary<long, BpeMerge>();
        for (int id = 0; id < v.Count; id++)
        {
            if (v.Types[id] != Normal) continue;
            string token = v.Tokens[id];
            int rank = rankOf[scores[id]];
            // Split only between code points: a surrogate pair is one symbol of the merger.
            for (int k = 1; k < token.Length; k++)
            {
                if (char.IsLowSurrogate(token[k])) continue;
                if (v.ModelVocab.TryGetValue(token[..k], out int left) && v.ModelVocab.TryGetValue(token[k..], out int right))
                    merges.TryAdd(BpeMerger.PairKey(left, right), new BpeMerge(rank, id));
            }
        }
        return merges;
    }

    /// <summary>BOS/EOS ids and the post-processor that adds them (add_bos_token / add_eos_token, else llama.cpp's defaults).</summary>
    private static (int? Bos, PostProcessor Post) SpecialTokens(GgufMetadataFields m, Vocabulary v, int? defaultBos, int? defaultEos, bool defaultAddBos)
    {
        int? bos = v.OptionalId(m, "tokenizer.ggml.bos_token_id", defaultBos);
        int? eos = v.OptionalId(m, "tokenizer.ggml.eos_token_id", defaultEos);
        v.OptionalId(m, "tokenizer.ggml.padding_token_id", null); // range-checked only: padding is not LlmLab's concern
        bool addBos = m.OptionalBool("tokenizer.ggml.add_bos_token") ?? defaultAddBos;
        bool addEos = m.OptionalBool("tokenizer.ggml.add_eos_token") ?? false;
        if (addBos && bos is null)
            throw m.Error("tokenizer.ggml.add_bos_token", "asks for a BOS token but tokenizer.ggml.bos_token_id is missing; set the id or add_bos_token = false");
        if (addEos && eos is null)
            throw m.Error("tokenizer.ggml.add_eos_token", "asks for an EOS token but tokenizer.ggml.eos_token_id is missing; set the id or add_eos_token = false");
        return (bos, new TemplatePostProcessor(addBos ? [bos!.Value] : [], addEos ? [eos!.Value] : []));
    }

    /// <summary>tokenizer.ggml.tokens with their types, split into the BPE model's vocabulary and the added tokens.</summary>
    private sealed class Vocabulary
    {
        private Vocabulary(string[] tokens, int[] types)
        {
            Tokens = tokens;
            Types = types;
        }

        public string[] Tokens { get; }
        public int[] Types { get; }
        public int Count => Tokens.Length;

        /// <summary>Text → id of the tokens the BPE model encodes with (normal, byte and unknown ones).</summary>
        public Dictionary<string, int> ModelVocab { get; } = new(StringComparer.Ordinal);
        public string?[] ModelIdToToken { get; private set; } = [];
        public List<AddedToken> AddedTokens { get; } = [];

        public static Vocabulary Read(GgufMetadataFields m)
        {
            const string tokensKey = "tokenizer.ggml.tokens", typesKey = "tokenizer.ggml.token_type";
            string[] tokens = m.OptionalStringArray(tokensKey) ?? throw m.Error(tokensKey, "is missing; the file carries no vocabulary");
            if (tokens.Length == 0 || tokens.Length > BpeModel.MaxTokenId + 1)
                throw m.Error(tokensKey, $"holds {tokens.Length} tokens; a vocabulary has between 1 and {BpeModel.MaxTokenId + 1}");
            if (m.OptionalString("general.architecture") is { } arch && m.OptionalInt($"{arch}.vocab_size", 0, int.MaxValue) is { } declared && declared != tokens.Length)
                throw m.Error(tokensKey, $"holds {tokens.Length} tokens but {arch}.vocab_size says {declared}; the vocabulary and the model disagree");
            long[] rawTypes = m.OptionalIntArray(typesKey) ?? Enumerable.Repeat((long)Normal, tokens.Length).ToArray();
            if (rawTypes.Length != tokens.Length)
                throw m.Error(typesKey, $"holds {rawTypes.Length} types for {tokens.Length} tokens in {tokensKey}; there must be one per token");
            var v = new Vocabulary(tokens, Array.ConvertAll(rawTypes, t => t is >= 0 and <= 6 ? (int)t : 0));

            var firstId = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
            int maxModelId = -1;
            for (int id = 0; id < tokens.Length; id++)
            {
                string text = tokens[id];
                if (text.Length == 0) continue; // llama.cpp renames an empty token; it can match nothing
                if (!firstId.TryAdd(text, id))
                    throw m.Error(tokensKey, $"holds {JsonField.Quote(text)} twice (ids {firstId[text]} and {id}); llama.cpp refuses such a vocabulary too");
                switch (v.Types[id])
                {
                    case Control or Unknown:
                        v.AddedTokens.Add(new AddedToken(id, text, SingleWord: false, LeftStrip: false, RightStrip: false, Normalized: false, Special: true));
                        break;
                    case UserDefined:
                        v.AddedTokens.Add(new AddedToken(id, text, SingleWord: false, LeftStrip: false, RightStrip: false, Normalized: false, Special: false));
                        break;
                }
                if (v.Types[id] is Control or UserDefined or Unused) continue;
                v.ModelVocab[text] = id;
                maxModelId = id;
            }
            v.ModelIdToToken = new string?[maxModelId + 1];
            foreach (var (text, id) in v.ModelVocab) v.ModelIdToToken[id] = text;
            return v;
        }

        /// <summary>The id of one part of a merge rule, or an error naming the rule.</summary>
        public int MergeOperand(GgufMetadataFields m, string key, int rank, string token) =>
            ModelVocab.TryGetValue(token, out int id) ? id
                : throw m.Error(key, $"entry {rank} names token {JsonField.Quote(token)}, which is not a normal token of tokenizer.ggml.tokens; the vocabulary and merges disagree");

        /// <summary>An id key, range-checked against the token count; <paramref name="defaultId"/> when absent (and in range).</summary>
        public int? OptionalId(GgufMetadataFields m, string key, int? defaultId)
        {
            if (m.Has(key))
            {
                long id = m.OptionalInt(key, int.MinValue, int.MaxValue)!.Value;
                if (id < 0 || id >= Count) throw m.Error(key, $"is {id}, outside the {Count} tokens of tokenizer.ggml.tokens");
                return (int)id;
            }
            return defaultId < Count ? defaultId : null;
        }

        /// <summary>tokenizer.ggml.unknown_token_id (or a default), -1 for none.</summary>
        public int UnknownId(GgufMetadataFields m, int? defaultId) =>
            OptionalId(m, "tokenizer.ggml.unknown_token_id", defaultId) ?? -1;
    }
}

