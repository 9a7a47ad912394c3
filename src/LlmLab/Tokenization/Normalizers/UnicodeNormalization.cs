using System.IO.Compression;
using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// Unicode normalization (NFC, NFD, NFKC, NFKD) from LlmLab's own tables
/// (<see cref="UnicodeNormalizationData"/>), because .NET's <see cref="string.Normalize(NormalizationForm)"/>
/// silently does nothing when the process runs with <c>InvariantGlobalization</c>, as LlmLab does.
/// The algorithm is the standard one (UAX #15): full decomposition, canonical ordering of
/// combining marks, then canonical composition for the C forms; Hangul syllables are computed.
/// </summary>
internal static class UnicodeNormalization
{
    // Hangul syllable arithmetic (Unicode §3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    public static string Normalize(string text, NormalizationForm form)
    {
        bool compose = form is NormalizationForm.FormC or NormalizationForm.FormKC;
        bool compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var tables = Data.Value;
        if (IsQuickYes(text, compose, compat, tables)) return text;

        var decomposed = new List<int>(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }
            Decompose(cp, compat, tables, decomposed);
        }
        SortCombiningMarks(decomposed, tables);
        if (compose) Compose(decomposed, tables);

        var sb = new StringBuilder(decomposed.Count + 8);
        foreach (int cp in decomposed)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp); // a lone surrogate of the input, kept
            else sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    /// <summary>Whether the text is certainly unchanged by the form (no decomposable, combining or composable character).</summary>
    private static bool IsQuickYes(string text, bool compose, bool compat, Tables tables)
    {
        // Below these code points nothing decomposes, combines or composes in the given form.
        int safeBelow = compose && !compat ? 0x300 : compat ? 0xA0 : 0xC0;
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (cp < safeBelow) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }
            if (tables.CombiningClass(cp) != 0) return false;
            // In the K forms a canonical mapping may lead to a compatibility one (U+0385 → U+00A8 U+0301).
            if (compat && (tables.Compatibility.ContainsKey(cp) || tables.Canonical.ContainsKey(cp))) return false;
            if (compose)
            {
                if (tables.SecondsOfPairs.Contains(cp) || cp is >= VBase and < VBase + VCount or > TBase and < TBase + TCount) return false;
                if (tables.Canonical.ContainsKey(cp) && !tables.PrimaryComposites.Contains(cp)) return false;
            }
            else if (tables.Canonical.ContainsKey(cp) || cp is >= SBase and < SBase + SCount)
            {
                return false;
            }
        }
        return true;
    }

    private static void Decompose(int cp, bool compat, Tables tables, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (tables.Canonical.TryGetValue(cp, out var mapping) || (compat && tables.Compatibility.TryGetValue(cp, out mapping)))
        {
            foreach (int part in mapping) Decompose(part, compat, tables, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort of each run of combining marks by combining class.</summary>
    private static void SortCombiningMarks(List<int> cps, Tables tables)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int ccc = tables.CombiningClass(cps[i]);
            if (ccc == 0) continue;
            int j = i;
            int cp = cps[i];
            while (j > 0 && tables.CombiningClass(cps[j - 1]) > ccc)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless a mark in between blocks it.</summary>
    private static void Compose(List<int> cps, Tables tables)
    {
        var result = new List<int>(cps.Count);
        int starter = -1; // index in result of the last starter
        foreach (int cp in cps)
        {
            int ccc = tables.CombiningClass(cp);
            if (starter >= 0)
            {
                bool adjacent = result.Count - 1 == starter;
                int previousCcc = adjacent ? 0 : tables.CombiningClass(result[^1]);
                bool blocked = !adjacent && (previousCcc == 0 || previousCcc >= ccc);
                if (!blocked && TryCompose(result[starter], cp, tables, out int composite))
                {
                    result[starter] = composite;
                    continue;
                }
            }
            if (ccc == 0) starter = result.Count;
            result.Add(cp);
        }
        cps.Clear();
        cps.AddRange(result);
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return tables.Pairs.TryGetValue(PairKey(first, second), out composite);
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;

    /// <summary>The decoded tables.</summary>
    private sealed class Tables
    {
        public readonly Dictionary<int, byte> Classes = [];
        public readonly Dictionary<int, int[]> Canonical = [];
        public readonly Dictionary<int, int[]> Compatibility = [];
        public readonly HashSet<int> PrimaryComposites = [];
        public readonly Dictionary<long, int> Pairs = [];
        public readonly HashSet<int> SecondsOfPairs = [];

        public int CombiningClass(int cp) => cp < 0x300 ? 0 : Classes.TryGetValue(cp, out byte c) ? c : 0;

        public static Tables Load()
        {
            var t = new Tables();
            using var compressed = new MemoryStream(Convert.FromBase64String(UnicodeNormalizationData.Base64));
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            using var data = new MemoryStream();
            z.CopyTo(data);
            var reader = new VarintReader(data.ToArray());

            int ranges = reader.Next();
            for (int k = 0, end = 0; k < ranges; k++)
            {
                int start = end + reader.Next();
                end = start + reader.Next();
                byte ccc = (byte)reader.Next();
                for (int cp = start; cp <= end; cp++) t.Classes[cp] = ccc;
            }
            ReadMappings(ref reader, t.Canonical);
            ReadMappings(ref reader, t.Compatibility);
            int composites = reader.Next();
            for (int k = 0, cp = 0; k < composites; k++)
            {
                cp += reader.Next();
                var pair = t.Canonical[cp];
                t.PrimaryComposites.Add(cp);
                t.Pairs[PairKey(pair[0], pair[1])] = cp;
                t.SecondsOfPairs.Add(pair[1]);
            }
            return t;
        }

        private static void ReadMappings(ref VarintReader reader, Dictionary<int, int[]> table)
        {
            int count = reader.Next();
            for (int k = 0, cp = 0; k < count; k++)
            {
                cp += reader.Next();
                var mapping = new int[reader.Next()];
                for (int m = 0; m < mapping.Length; m++) mapping[m] = reader.Next();
                table[cp] = mapping;
            }
        }
    }

    /// <summary>Reads LEB128 unsigned varints.</summary>
    private ref struct VarintReader(byte[] data)
    {
        private int _position;

        public int Next()
        {
            int value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[_position++];
                value |= (b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
        }
    }
}
