using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

internal sealed partial class BpeModel
{
    private const string ReexportHint = "the vocabulary and merges disagree; download the tokenizer.json again or re-save it with tokenizers";

    private BpeModel(Dictionary<string, int> vocab, string?[] idToToken, Dictionary<long, BpeMerge> merges,
        int unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges, string prefix, string suffix)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _idToToken = idToToken;
        _merges = merges;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        _prefix = prefix;
        _suffix = suffix;
        _wordStart = DetectWordStart(vocab, ignoreMerges, prefix, suffix);

        _byteLevelIds = new int[256];
        _byteFallbackIds = new int[256];
        for (int b = 0; b < 256; b++)
        {
            _byteLevelIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out int id) ? id : -1;
            _byteFallbackIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out id) ? id : -1;
        }
    }

    /// <summary>
    /// Whether a piece may be cut before every <c>▁</c> that follows another character without
    /// changing its ids. It may when <c>▁</c> is itself a token (so never unknown, never fused
    /// into an unk run) and no vocabulary token holds a non-<c>▁</c> character followed by
    /// <c>▁</c>: every merge result is a vocabulary token, so no merge can join symbols across
    /// such a cut, and BPE of the whole piece is BPE of its parts put end to end. With
    /// <c>ignore_merges</c> the whole piece's own vocabulary entry would win, so no cut then.
    /// </summary>
    private static char DetectWordStart(Dictionary<string, int> vocab, bool ignoreMerges, string prefix, string suffix)
    {
        const string mark = "\u2581";
        if (ignoreMerges || prefix.Length > 0 || suffix.Length > 0 || !vocab.ContainsKey(mark)) return NoWordStart;
        foreach (string token in vocab.Keys)
        {
            if (token.Length < 2) continue;
            for (int i = token.IndexOf(SentencePieceSpace, 1); i > 0; i = i + 1 < token.Length ? token.IndexOf(SentencePieceSpace, i + 1) : -1)
            {
                if (token[i - 1] != SentencePieceSpace) return NoWordStart;
            }
        }
        return SentencePieceSpace;
    }

    /// <summary>
    /// A BPE model from a vocabulary and merge table built elsewhere (GGUF metadata): no continuing-subword prefix or
    /// end-of-word suffix. <paramref name="unkId"/> is -1 for none.
    /// </summary>
    public static BpeModel FromVocabulary(Dictionary<string, int> vocab, string?[] idToToken, Dictionary<long, BpeMerge> merges,
        int unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges) =>
        new(vocab, idToToken, merges, unkId, fuseUnk, byteFallback, ignoreMerges, prefix: "", suffix: "");

    /// <summary>Reads tokenizer.json's <c>model</c> object (type BPE).</summary>
    public static BpeModel FromJson(JsonField model)
    {
        if (model.Find("dropout") is { } dropout && dropout.GetDouble() > 0)
        {
            throw dropout.Fail("is above 0, which makes encoding random (a training-time option)", "set \"dropout\" to null");
        }

        var vocabField = model.Get("vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int maxId = -1;
        foreach (var (token, idField) in vocabField.Properties())
        {
            int id = idField.GetInt32(0, MaxTokenId);
            vocab[token] = id;
            maxId = Math.Max(maxId, id);
        }
        var idToToken = new string?[maxId + 1];
        foreach (var (token, id) in vocab) idToToken[id] ??= token;

        string prefix = model.OptionalString("continuing_subword_prefix") ?? "";
        string suffix = model.OptionalString("end_of_word_suffix") ?? "";
        // A character-level BPE may leave out its (empty) merges.
        var merges = model.Find("merges") is { } mergesField ? ReadMerges(mergesField, vocab, prefix) : [];

        int unkId = -1;
        if (model.Find("unk_token") is { } unkField)
        {
            string unk = unkField.GetString();
            if (!vocab.TryGetValue(unk, out unkId))
            {
                throw unkField.Fail($"names {JsonField.Quote(unk)}, which is not in model.vocab", "add it to the vocabulary or set unk_token to null");
            }
        }

        return new BpeModel(vocab, idToToken, merges, unkId,
            fuseUnk: model.Bool("fuse_unk", false),
            byteFallback: model.Bool("byte_fallback", false),
            ignoreMerges: model.Bool("ignore_merges", false),
            prefix, suffix);
    }

    private static Dictionary<long, BpeMerge> ReadMerges(JsonField mergesField, Dictionary<string, int> vocab, string prefix)
    {
        var merges = new Dictionary<long, BpeMerge>(mergesField.Count());
        int rank = 0;
        foreach (var item in mergesField.Items())
        {
            string left, right;
            if (item.Kind == JsonValueKind.String)
            {
                // Legacy form "a b": exactly one space (tokens never contain one in this form).
                string line = item.GetString();
                if (line.StartsWith("#version", StringComparison.Ordinal)) continue;
                int space = line.IndexOf(' ');
                if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
                {
                    throw item.Fail($"is {JsonField.Quote(line)}, not two tokens separated by one space", ReexportHint);
                }
                left = line[..space];
                right = line[(space + 1)..];
            }
            else if (item.Kind == JsonValueKind.Array && item.Count() == 2)
            {
                var pair = item.Items().ToArray();
                left = pair[0].GetString();
                right = pair[1].GetString();
            }
            else
            {
                throw item.Fail("is neither a \"left right\" string nor a [left, right] pair", ReexportHint);
            }

            int leftId = Lookup(vocab, left, item);
            int rightId = Lookup(vocab, right, item);
            string rightPart = prefix.Length > 0 && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right;
            int newId = Lookup(vocab, left + rightPart, item);
            // A repeated pair keeps its last rank, as tokenizers' HashMap collection does.
            merges[PairKey(leftId, rightId)] = new BpeMerge(rank, newId);
            rank++;
        }
        return merges;
    }

    private static long PairKey(int left, int right) => BpeMerger.PairKey(left, right);

    private static int Lookup(Dictionary<string, int> vocab, string token, JsonField merge)
    {
        if (vocab.TryGetValue(token, out int id)) return id;
        throw merge.Fail($"names token {JsonField.Quote(token)}, which is not in model.vocab", ReexportHint);
    }
}
