using System.Text.Json.Nodes;

namespace LlmLab.Tests.Models;

/// <summary>Config files for bad-input tests: a fixture's config.json edited as a JSON tree, or raw text, written to a fresh temp folder.</summary>
internal static class ConfigFiles
{
    /// <summary>The fixture model's config.json (tests/fixtures/models/<paramref name="fixture"/>) after <paramref name="edit"/>; returns the new file's path.</summary>
    public static string Edited(string fixture, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Model(fixture), "config.json")))!.AsObject();
        edit(config);
        return Text(config.ToJsonString());
    }

    /// <summary>Writes <paramref name="text"/> as <paramref name="fileName"/> in a fresh temp folder; returns the full path.</summary>
    public static string Text(string text, string fileName = "config.json")
    {
        string path = Path.Combine(Fixtures.TempDir(), fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A small Qwen3 config: 64 wide, 4 query heads of 32 (so heads × head_dim = 128 ≠ hidden), 2 KV heads, 2 layers.</summary>
    public const string Qwen3Tiny = """
        {
          "architectures": ["Qwen3ForCausalLM"],
          "model_type": "qwen3",
          "hidden_size": 64,
          "num_attention_heads": 4,
          "num_key_value_heads": 2,
          "head_dim": 32,
          "intermediate_size": 128,
          "num_hidden_layers": 2,
          "vocab_size": 512,
          "rms_norm_eps": 1e-6,
          "rope_theta": 1000000,
          "hidden_act": "silu",
          "attention_bias": false,
          "tie_word_embeddings": true,
          "bos_token_id": 1,
          "eos_token_id": 2
        }
        """;
}
