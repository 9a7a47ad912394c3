using System.Text.Json;
using LlmLab.Formats;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>A tokenizer fixture's GGUF tokenizer metadata, made by the production <see cref="GgufVocabularyExport"/>.</summary>
internal static class GgufVocabulary
{
    /// <summary>
    /// <paramref name="fixture"/>'s tokenizer.json + tokenizer_config.json as tokenizer.ggml.* keys, padded to
    /// <paramref name="vocabSize"/> (default: exactly the tokenizer's highest id + 1).
    /// </summary>
    public static Dictionary<string, GgufValue> Fixture(string fixture, int? vocabSize = null)
    {
        string dir = Fixtures.Tokenizer(fixture), json = Fixtures.ReadText(Path.Combine(dir, "tokenizer.json"));
        string configPath = Path.Combine(dir, "tokenizer_config.json");
        return GgufVocabularyExport.FromJson(TokenizerFixtures.JsonPath(fixture), json,
            File.Exists(configPath) ? File.ReadAllText(configPath) : null, vocabSize ?? HighestId(json) + 1);
    }

    /// <summary>A fixture's metadata as convert writes it for its model (qwen3 padded to the model's vocabulary).</summary>
    public static Dictionary<string, GgufValue> For(string fixture) => Fixture(fixture, VocabSize(fixture));

    /// <summary>The Qwen3 model's embedding rows: more than its tokenizer's ids, so convert pads with [PADn].</summary>
    public const int Qwen3VocabSize = 151936;

    /// <summary>The vocabulary size each fixture is exported with (qwen3 padded to its model's vocabulary).</summary>
    public static int? VocabSize(string fixture) => fixture == "qwen3" ? Qwen3VocabSize : null;

    private static int HighestId(string tokenizerJson)
    {
        using var doc = JsonDocument.Parse(tokenizerJson);
        var root = doc.RootElement;
        int highest = root.GetProperty("model").GetProperty("vocab").EnumerateObject().Max(p => p.Value.GetInt32());
        foreach (var t in root.GetProperty("added_tokens").EnumerateArray()) highest = Math.Max(highest, t.GetProperty("id").GetInt32());
        return highest;
    }

    public static GgufValue Bool(bool b) => new(GgufValueType.Bool, b);
    public static GgufValue Str(string s) => new(GgufValueType.String, s);
    public static GgufValue Strings(string[] s) => new(GgufValueType.Array, s, GgufValueType.String);
}
