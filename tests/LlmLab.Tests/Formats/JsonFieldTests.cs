using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>The one JSON field reader, shared by tokenizer.json and config.json: one message shape, each file's exception.</summary>
public sealed class JsonFieldTests
{
    private static JsonField Root(string json, JsonFileKind kind) =>
        new(JsonDocument.Parse(json).RootElement, "", kind == JsonFileKind.Config ? "config.json" : "tokenizer.json", kind);

    [Fact]
    public void A_config_field_out_of_range_is_an_invalid_config_naming_file_path_value_and_range()
    {
        var root = Root("""{"rope_scaling": {"factor": 1e9}}""", JsonFileKind.Config);

        var e = Assert.Throws<InvalidConfigException>(() => root.Object("rope_scaling")!.Value.OptionalDouble("factor", 1e-3, 1e6));

        Assert.StartsWith("config.json: field 'rope_scaling.factor' is 1000000000, outside the sane range [0.001, 1000000]; ", e.Message);
    }

    [Fact]
    public void A_tokenizer_field_of_the_wrong_kind_is_an_invalid_tokenizer_in_the_same_shape()
    {
        var root = Root("""{"model": {"vocab": [1, 2]}}""", JsonFileKind.Tokenizer);

        var e = Assert.Throws<InvalidTokenizerException>(() => root.Get("model").Get("vocab").Properties().ToList());

        Assert.StartsWith("tokenizer.json: field 'model.vocab' must be an object, found an array; ", e.Message);
    }

    [Theory]
    [InlineData("""{"eos_token_id": 2}""", new[] { 2 })]
    [InlineData("""{"eos_token_id": [2, 7]}""", new[] { 2, 7 })]
    [InlineData("""{"eos_token_id": null}""", new int[0])]
    public void An_id_or_a_list_of_ids_reads_either_form(string json, int[] expected) =>
        Assert.Equal(expected, Root(json, JsonFileKind.Config).IntOrIntList("eos_token_id", 4));

    [Fact]
    public void A_list_of_ids_longer_than_the_limit_is_refused()
    {
        var e = Assert.Throws<InvalidConfigException>(() => Root("""{"eos_token_id": [1, 2, 3]}""", JsonFileKind.Config).IntOrIntList("eos_token_id", 2));
        Assert.Contains("field 'eos_token_id' must be an integer or a short list of integers (at most 2), found an array", e.Message);
    }

    [Fact]
    public void A_string_with_a_lone_surrogate_escape_is_named_not_thrown_as_a_runtime_error()
    {
        var e = Assert.Throws<InvalidTokenizerException>(() => Root("""{"type": "\ud800"}""", JsonFileKind.Tokenizer).TypeTag());
        Assert.Contains("field 'type' holds an invalid \\u escape", e.Message);
    }
}
