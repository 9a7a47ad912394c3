using System.Text.Json.Nodes;

namespace LlmLab.Tests.Tokenization;

/// <summary>The BPE model: merge order, merge formats, unknown characters, byte fallback, prefixes and suffixes.</summary>
public sealed class BpeModelTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void The_merge_loop_gives_the_same_ids_as_rescanning_for_the_lowest_rank_pair(int seed, bool shuffledRanks)
    {
        // Random merges over a 4-letter alphabet (optionally in an order unrelated to how the tokens
        // were built), random words up to 600 letters: the heap-based loop must equal the naive one.
        var random = new Random(seed);
        var vocab = new List<string> { "a", "b", "c", "d" };
        var merges = new List<(string Left, string Right)>();
        var seen = new HashSet<string>(vocab);
        while (merges.Count < 60)
        {
            string left = vocab[random.Next(vocab.Count)], right = vocab[random.Next(vocab.Count)];
            if (left.Length + right.Length > 8 || merges.Contains((left, right))) continue;
            merges.Add((left, right));
            if (seen.Add(left + right)) vocab.Add(left + right);
        }
        if (shuffledRanks) merges = [.. merges.OrderBy(_ => random.Next())];
        var tokenizer = TinyTokenizer.Load(TinyTokenizer.Json(vocab, merges.Select(m => $"{m.Left} {m.Right}")));

        for (int trial = 0; trial < 200; trial++)
        {
            int length = trial < 190 ? random.Next(1, 30) : random.Next(300, 600);
            string word = new(Enumerable.Range(0, length).Select(_ => "abcd"[random.Next(4)]).ToArray());
            int[] expected = NaiveBpe(word, merges).Select(t => vocab.IndexOf(t)).ToArray();
            Assert.Equal(expected, tokenizer.Encode(word));
        }
    }

    [Fact]
    public void Merges_written_as_pairs_and_as_strings_give_the_same_ids()
    {
        string[] vocab = ["a", "b", "c", "ab", "abc", "bc"];
        string strings = TinyTokenizer.Json(vocab, ["a b", "ab c", "b c"]);
        var pairs = JsonNode.Parse(strings)!;
        pairs["model"]!["merges"] = new JsonArray(new JsonArray("a", "b"), new JsonArray("ab", "c"), new JsonArray("b", "c"));
        int[] expected = TinyTokenizer.Load(strings).Encode("abcbcab");
        Assert.Equal([4, 5, 3], expected);
        Assert.Equal(expected, TinyTokenizer.Load(pairs.ToJsonString()).Encode("abcbcab"));
    }

    [Fact]
    public void With_ignore_merges_a_piece_in_the_vocabulary_is_one_token()
    {
        string[] vocab = ["a", "b", "c", "bc", "abc"];
        string[] merges = ["b c"];
        Assert.Equal([0, 3], TinyTokenizer.Load(TinyTokenizer.Json(vocab, merges)).Encode("abc"));
        Assert.Equal([4], TinyTokenizer.Load(TinyTokenizer.Json(vocab, merges, model: ", \"ignore_merges\": true")).Encode("abc"));
    }

    [Fact]
    public void Byte_fallback_spells_an_unknown_character_as_its_utf8_bytes()
    {
        var vocab = new List<string> { "<unk>", "a" };
        vocab.AddRange(TinyTokenizer.ByteFallbackTokens());
        var t = TinyTokenizer.Load(TinyTokenizer.Json(vocab, model: ", \"unk_token\": \"<unk>\", \"byte_fallback\": true"));
        // é = C3 A9, and <0xNN> has id 2 + NN.
        Assert.Equal([1, 2 + 0xC3, 2 + 0xA9, 1], t.Encode("aéa"));
    }

    [Fact]
    public void Unknown_characters_become_unk_tokens_fused_or_not()
    {
        string[] vocab = ["<unk>", "a"];
        Assert.Equal([1, 0, 0, 0, 1], TinyTokenizer.Load(TinyTokenizer.Json(vocab, model: ", \"unk_token\": \"<unk>\"")).Encode("axyza"));
        Assert.Equal([1, 0, 1], TinyTokenizer.Load(TinyTokenizer.Json(vocab, model: ", \"unk_token\": \"<unk>\", \"fuse_unk\": true")).Encode("axyza"));
    }

    [Fact]
    public void Without_unk_token_or_byte_fallback_unknown_characters_are_dropped()
    {
        Assert.Equal([0, 1], TinyTokenizer.Load(TinyTokenizer.Json(["a", "b"])).Encode("axb"));
    }

    [Fact]
    public void A_continuing_subword_prefix_marks_every_symbol_but_the_first()
    {
        string[] vocab = ["a", "##b", "##c", "ab"];
        var t = TinyTokenizer.Load(TinyTokenizer.Json(vocab, ["a ##b"], model: ", \"continuing_subword_prefix\": \"##\""));
        Assert.Equal([3, 2], t.Encode("abc"));
    }

    [Fact]
    public void An_end_of_word_suffix_marks_the_last_symbol()
    {
        string[] vocab = ["a", "b", "b</w>", "ab</w>"];
        var t = TinyTokenizer.Load(TinyTokenizer.Json(vocab, ["a b</w>"], model: ", \"end_of_word_suffix\": \"</w>\""));
        Assert.Equal([3], t.Encode("ab"));
        Assert.Equal([0, 1, 2], t.Encode("abb"));
    }

    [Fact]
    public void A_repeated_word_gives_the_same_ids_from_the_cache()
    {
        var t = TokenizerFixtures.Load("llama3");
        int[] first = t.Encode(" tokenization");
        Assert.Equal(first, t.Encode(" tokenization"));
        Assert.Equal(first.Concat(first), t.Encode(" tokenization tokenization"));
    }

    [Fact]
    public void Encoding_from_many_threads_gives_the_single_thread_ids()
    {
        var t = TokenizerFixtures.Brown;
        string[] lines = File.ReadAllLines(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt")).Take(200).ToArray();
        int[][] sequential = lines.Select(l => t.Encode(l)).ToArray();
        int[][] parallel = new int[lines.Length][];
        Parallel.For(0, lines.Length, i => parallel[i] = t.Encode(lines[i]));
        Assert.Equal(sequential, parallel);
    }

    /// <summary>Textbook BPE: merge the lowest-rank adjacent pair (leftmost on ties) until none applies.</summary>
    private static List<string> NaiveBpe(string word, List<(string Left, string Right)> merges)
    {
        var rank = new Dictionary<(string, string), int>();
        for (int i = 0; i < merges.Count; i++) rank[merges[i]] = i;
        var symbols = word.Select(c => c.ToString()).ToList();
        while (true)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (rank.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank)
                {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) return symbols;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
    }
}
