using System.Collections.Concurrent;
using System.Text.Json;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>One golden case: HF tokenizers 0.23's output for a text (tests/fixtures/PROVENANCE.md).</summary>
internal sealed record GoldenCase(string Text, int[] Ids, int[] IdsWithSpecial, string Decoded);

/// <summary>The tokenizer fixtures, each loaded once per test run.</summary>
internal static class TokenizerFixtures
{
    public static readonly string[] Names = ["llama3", "qwen3", "sp32k"];

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();
    private static readonly ConcurrentDictionary<string, Lazy<GoldenCase[]>> Goldens = new();

    public static Tokenizer Load(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<Tokenizer>(() => Tokenizer.FromFile(JsonPath(n)))).Value;

    /// <summary>tokenizer.json of a fixture, or tokenizer.json.gz when only the compressed copy is stored.</summary>
    public static string JsonPath(string name)
    {
        string path = Path.Combine(Fixtures.Tokenizer(name), "tokenizer.json");
        return File.Exists(path) ? path : path + ".gz";
    }

    public static Tokenizer Brown =>
        Loaded.GetOrAdd("brown", _ => new Lazy<Tokenizer>(() => Tokenizer.FromFile(Path.Combine(Fixtures.BrownModel, "tokenizer.json")))).Value;

    public static GoldenCase[] Golden(string name) => Goldens.GetOrAdd(name, n => new Lazy<GoldenCase[]>(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Tokenizer(n), "golden.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("ids_with_special").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("decoded").GetString()!)).ToArray();
    })).Value;

    /// <summary>(tokenizer, case index) for every golden case of every fixture.</summary>
    public static TheoryData<string, int> AllCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in Names)
        {
            for (int i = 0; i < Golden(name).Length; i++) data.Add(name, i);
        }
        return data;
    }
}
