using System.Buffers;

namespace LlmLab.Tokenization;

/// <summary>What a merge rule yields: its priority (line in <c>merges</c>, lower first) and the merged token.</summary>
internal readonly record struct BpeMerge(int Rank, int NewId);

/// <summary>
/// The BPE merge loop: repeatedly merge the adjacent pair with the lowest merge rank (leftmost on
/// ties) until no adjacent pair has a merge rule. A binary heap keyed by (rank, position) holds
/// the candidate pairs and stale entries are skipped when popped, so a word of n symbols costs
/// O(n log n) instead of the O(n²) of rescanning all pairs after each merge. This is the same
/// order as tokenizers' <c>Word::merge_all</c>, hence the same result.
/// </summary>
internal static class BpeMerger
{
    /// <summary>Words up to this many symbols keep their scratch arrays on the stack.</summary>
    private const int StackSymbols = 128;

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Merges <paramref name="ids"/> in place; the result is <c>ids[..returned count]</c>.</summary>
    public static int MergeAll(Span<int> ids, Dictionary<long, BpeMerge> merges)
    {
        int n = ids.Length;
        if (n < 2) return n;

        int[]? rentedLinks = null;
        long[]? rentedKeys = null;
        int[]? rentedNew = null;
        // Each of the n-1 initial pairs and each merge (at most n-1, pushing at most 2) adds one entry.
        int heapCapacity = 3 * n;
        Span<int> links = n <= StackSymbols ? stackalloc int[2 * StackSymbols] : (rentedLinks = ArrayPool<int>.Shared.Rent(2 * n));
        Span<long> heapKeys = n <= StackSymbols ? stackalloc long[3 * StackSymbols] : (rentedKeys = ArrayPool<long>.Shared.Rent(heapCapacity));
        Span<int> heapNew = n <= StackSymbols ? stackalloc int[3 * StackSymbols] : (rentedNew = ArrayPool<int>.Shared.Rent(heapCapacity));
        try
        {
            Span<int> prev = links[..n];
            Span<int> next = links.Slice(n, n); // -1: last symbol; -2: merged into its left neighbour
            for (int i = 0; i < n; i++)
            {
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }

            var heap = new MergeHeap(heapKeys, heapNew);
            for (int i = 0; i + 1 < n; i++)
            {
                if (merges.TryGetValue(PairKey(ids[i], ids[i + 1]), out var m)) heap.Push(m.Rank, i, m.NewId);
            }

            while (heap.TryPop(out int pos, out int newId))
            {
                int right = next[pos];
                if (right < 0) continue; // merged away, or last symbol
                if (!merges.TryGetValue(PairKey(ids[pos], ids[right]), out var current) || current.NewId != newId) continue; // stale entry

                ids[pos] = newId;
                int after = next[right];
                next[right] = -2;
                next[pos] = after;
                if (after >= 0) prev[after] = pos;

                int before = prev[pos];
                if (before >= 0 && merges.TryGetValue(PairKey(ids[before], ids[pos]), out var left)) heap.Push(left.Rank, before, left.NewId);
                if (after >= 0 && merges.TryGetValue(PairKey(ids[pos], ids[after]), out var rightMerge)) heap.Push(rightMerge.Rank, pos, rightMerge.NewId);
            }

            int count = 0;
            for (int i = 0; i >= 0; i = next[i]) ids[count++] = ids[i];
            return count;
        }
        finally
        {
            if (rentedLinks is not null) ArrayPool<int>.Shared.Return(rentedLinks);
            if (rentedKeys is not null) ArrayPool<long>.Shared.Return(rentedKeys);
            if (rentedNew is not null) ArrayPool<int>.Shared.Return(rentedNew);
        }
    }

    /// <summary>A binary min-heap of merge candidates keyed by (rank, position), over caller-provided storage.</summary>
    private ref struct MergeHeap(Span<long> keys, Span<int> newIds)
    {
        private readonly Span<long> _keys = keys;
        private readonly Span<int> _newIds = newIds;
        private int _count;

        public void Push(int rank, int pos, int newId)
        {
            long key = ((long)rank << 32) | (uint)pos;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_keys[parent] <= key) break;
                _keys[i] = _keys[parent];
                _newIds[i] = _newIds[parent];
                i = parent;
            }
            _keys[i] = key;
            _newIds[i] = newId;
        }

        public bool TryPop(out int pos, out int newId)
        {
            if (_count == 0)
            {
                pos = newId = 0;
                return false;
            }
            pos = (int)(_keys[0] & 0xFFFFFFFF);
            newId = _newIds[0];
            _count--;
            long key = _keys[_count];
            int valueId = _newIds[_count];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= _count) break;
                if (child + 1 < _count && _keys[child + 1] < _keys[child]) child++;
                if (_keys[child] >= key) break;
                _keys[i] = _keys[child];
                _newIds[i] = _newIds[child];
                i = child;
            }
            _keys[i] = key;
            _newIds[i] = valueId;
            return true;
        }
    }
}
