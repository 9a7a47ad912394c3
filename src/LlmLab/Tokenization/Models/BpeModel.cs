using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>BPE</c> model: turns one pre-tokenized piece into ids by starting from its
/// characters (or, for byte-level pieces, the characters of its UTF-8 bytes) and applying the
/// merge rules in rank order. Results are cached per distinct piece text, because natural text
/// repeats its words: after a warm-up most pieces are one dictionary lookup.
/// </summary>
internal sealed partial class BpeModel
{
    /// <summary>
    /// Largest token id accepted from a file. The id → token table is sized by the largest id, so
    /// this bounds what a hostile file can make us allocate (32 MB of references); the largest
    /// vocabularies in use have about 262k entries.
    /// </summary>
    public const int MaxTokenId = (1 << 22) - 1;

    /// <summary>Pieces longer than this (UTF-16 units) are not cached: they are rare and would bloat the cache.</summary>
    private const int MaxCachedPieceLength = 256;

    /// <summary>Cache entries per cache before it is cleared; about 10 MB with typical words.</summary>
    private const int MaxCacheEntries = 1 << 16;

    private const char NoWordStart = '\0';

    /// <summary>SentencePiece's word-start mark, the space stand-in.</summary>
    private const char SentencePieceSpace = '\u2581';

    /// <summary>Pieces up to this many UTF-8 bytes are processed with stack buffers.</summary>
    private const int StackBytes = 512;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly string?[] _idToToken;
    private readonly Dictionary<long, BpeMerge> _merges;
    private readonly int[] _byteLevelIds;    // byte → id of its byte-level character, -1 when not in the vocabulary
    private readonly int[] _byteFallbackIds; // byte → id of "<0xNN>", -1 when not in the vocabulary
    private readonly int _unkId;             // -1: no unk token
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly string _prefix;         // continuing_subword_prefix, "" for none
    private readonly string _suffix;         // end_of_word_suffix, "" for none
    private readonly char _wordStart;        // a mark no merge can cross from the left (▁), or NoWordStart
    private readonly PieceCache _plainCache = new();
    private readonly PieceCache _byteLevelCache = new();

    /// <summary>Number of slots of the id table: largest model id + 1.</summary>
    public int IdCount => _idToToken.Length;

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Appends the ids of <paramref name="piece"/> to <paramref name="output"/>.</summary>
    public void Encode(in TextPiece piece, List<int> output)
    {
        var span = piece.Span;
        if (span.IsEmpty) return;
        if (piece.ByteLevel)
        {
            EncodeCached(span, byteLevel: true, output);
            return;
        }
        if (_wordStart == NoWordStart)
        {
            EncodeCached(span, byteLevel: false, output);
            return;
        }
        // SentencePiece-style files have no pre-tokenizer: the whole text is one piece. Cut it
        // before each word-start mark that no vocabulary token can span (see DetectWordStart), so
        // that the merges run word by word and repeated words come from the cache.
        int start = 0;
        for (int i = span.IndexOf(_wordStart); i >= 0 && i < span.Length; i = NextIndex(span, _wordStart, i + 1))
        {
            if (i > start && span[i - 1] != _wordStart)
            {
                EncodeCached(span[start..i], byteLevel: false, output);
                start = i;
            }
        }
        EncodeCached(span[start..], byteLevel: false, output);
    }

    private static int NextIndex(ReadOnlySpan<char> span, char c, int from)
    {
        int i = span[from..].IndexOf(c);
        return i < 0 ? -1 : from + i;
    }

    private void EncodeCached(ReadOnlySpan<char> span, bool byteLevel, List<int> output)
    {
        var cache = byteLevel ? _byteLevelCache : _plainCache;
        if (cache.TryGet(span, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        int[] ids = byteLevel ? EncodeByteLevel(span) : EncodeChars(span);
        if (span.Length <= MaxCachedPieceLength) cache.Add(span, ids);
        output.AddRange(ids);
    }

    /// <summary>A piece whose model input is the byte-level characters of its UTF-8 bytes.</summary>
    private int[] EncodeByteLevel(ReadOnlySpan<char> text)
    {
        int byteCount = Encoding.UTF8.GetByteCount(text);
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        int[]? rentedIds = null;
        Span<byte> bytes = byteCount <= StackBytes ? stackalloc byte[StackBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(byteCount));
        Span<char> mapped = byteCount <= StackBytes ? stackalloc char[StackBytes] : (rentedChars = ArrayPool<char>.Shared.Rent(byteCount));
        Span<int> ids = byteCount <= StackBytes ? stackalloc int[StackBytes] : (rentedIds = ArrayPool<int>.Shared.Rent(byteCount));
        try
        {
            bytes = bytes[..Encoding.UTF8.GetBytes(text, bytes)];
            mapped = mapped[..bytes.Length];
            ByteLevelAlphabet.Map(bytes, mapped);

            if (_ignoreMerges && _vocabBySpan.TryGetValue(mapped, out int whole)) return [whole];

            bool simple = _prefix.Length == 0 && _suffix.Length == 0;
            ids = ids[..bytes.Length];
            for (int i = 0; i < bytes.Length && simple; i++)
            {
                ids[i] = _byteLevelIds[bytes[i]];
                simple = ids[i] >= 0;
            }
            // A byte without a vocabulary entry (or a prefix/suffix to add) takes the general path.
            if (!simple) return EncodeChars(mapped);
            int count = BpeMerger.MergeAll(ids, _merges);
            return ids[..count].ToArray();
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
            if (rentedIds is not null) ArrayPool<int>.Shared.Return(rentedIds);
        }
    }

    /// <summary>
    /// The general path (tokenizers' <c>merge_word</c>): one symbol per code point, with the
    /// continuing-subword prefix and end-of-word suffix, byte fallback, and unknown-token rules.
    /// </summary>
    private int[] EncodeChars(ReadOnlySpan<char> word)
    {
        if (_ignoreMerges && _vocabBySpan.TryGetValue(word, out int whole)) return [whole];

        var symbols = new List<int>(word.Length);
        bool unkPending = false;
        Span<char> scratch = stackalloc char[64];
        int i = 0;
        while (i < word.Length)
        {
            Rune.DecodeFromUtf16(word[i..], out _, out int width);
            bool first = i == 0;
            bool last = i + width == word.Length;
            var unit = word.Slice(i, width);
            i += width;

            int prefixLength = first ? 0 : _prefix.Length;
            int suffixLength = last ? _suffix.Length : 0;
            int length = prefixLength + width + suffixLength;
            Span<char> s = length <= scratch.Length ? scratch[..length] : new char[length];
            _prefix.AsSpan(0, prefixLength).CopyTo(s);
            unit.CopyTo(s[prefixLength..]);
            _suffix.AsSpan(0, suffixLength).CopyTo(s[(prefixLength + width)..]);

            if (_vocabBySpan.TryGetValue(s, out int id))
            {
                if (unkPending)
                {
                    symbols.Add(_unkId);
                    unkPending = false;
                }
                symbols.Add(id);
                continue;
            }
            if (_byteFallback && TryAddByteFallback(s, symbols)) continue;
            if (_unkId >= 0)
            {
                // Consecutive unknown characters become one unk when fuse_unk is set.
                if (unkPending && !_fuseUnk) symbols.Add(_unkId);
                unkPending = true;
            }
            // Without an unk token an unknown character is dropped, as tokenizers does.
        }
        if (unkPending) symbols.Add(_unkId);

        var ids = symbols.ToArray();
        int count = BpeMerger.MergeAll(ids, _merges);
        return count == ids.Length ? ids : ids[..count];
    }

    /// <summary>Adds one <c>&lt;0xNN&gt;</c> token per UTF-8 byte of <paramref name="s"/>, if all of them exist.</summary>
    private bool TryAddByteFallback(ReadOnlySpan<char> s, List<int> symbols)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(s.Length)];
        bytes = bytes[..Encoding.UTF8.GetBytes(s, bytes)];
        foreach (byte b in bytes)
        {
            if (_byteFallbackIds[b] < 0) return false;
        }
        foreach (byte b in bytes) symbols.Add(_byteFallbackIds[b]);
        return true;
    }

    /// <summary>Piece text → ids, thread-safe, bounded by <see cref="MaxCacheEntries"/> (cleared when full).</summary>
    private sealed class PieceCache
    {
        private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
        private int _count;

        public PieceCache() => _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();

        public bool TryGet(ReadOnlySpan<char> key, out int[] ids) => _bySpan.TryGetValue(key, out ids!);

        public void Add(ReadOnlySpan<char> key, int[] ids)
        {
            if (Interlocked.Increment(ref _count) > MaxCacheEntries)
            {
                _entries.Clear();
                Interlocked.Exchange(ref _count, 0);
            }
            _bySpan.TryAdd(key, ids);
        }
    }
}
