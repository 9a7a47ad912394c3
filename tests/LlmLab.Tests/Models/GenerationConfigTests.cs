using LlmLab.Models;

namespace LlmLab.Tests.Models;

/// <summary>generation_config.json: stop tokens in both forms, and wrongly typed settings rejected naming file and field.</summary>
public sealed class GenerationConfigTests
{
    [Fact]
    public void Eos_token_id_list_is_read_with_all_its_ids()
    {
        string path = ConfigFiles.Text("""{"bos_token_id": 1, "eos_token_id": [2, 7], "do_sample": true, "temperature": 0.6, "top_p": 0.9}""", "generation_config.json");
        var config = GenerationConfig.Read(path);
        Assert.Equal([2, 7], config.EosTokenIds);
        Assert.Equal(1, config.BosTokenId);
        Assert.True(config.DoSample);
        Assert.Equal(0.6f, config.Temperature);
    }

    [Fact]
    public void Eos_token_id_integer_of_the_fixture_is_read_as_one_id()
    {
        var config = GenerationConfig.Read(Path.Combine(Fixtures.Model("llama-tiny"), "generation_config.json"));
        Assert.Equal([2], config.EosTokenIds);
    }

    [Fact]
    public void Missing_generation_config_gives_the_empty_config()
    {
        var config = GenerationConfig.Read(Path.Combine(Fixtures.TempDir(), "generation_config.json"));
        Assert.Empty(config.EosTokenIds);
        Assert.Null(config.Temperature);
    }

    [Theory]
    [InlineData("eos_token_id", "\"2\"", "must be an integer or a short list")]
    [InlineData("eos_token_id", "[2, \"eos\"]", "non-id element")]
    [InlineData("eos_token_id", "[2, -1]", "non-id element")]
    [InlineData("eos_token_id", "2.5", "must be an integer")]
    [InlineData("bos_token_id", "-1", "outside the sane range")]
    [InlineData("do_sample", "\"yes\"", "must be true or false")]
    [InlineData("temperature", "\"hot\"", "must be a number")]
    [InlineData("temperature", "-1", "outside the sane range")]
    [InlineData("top_k", "2.5", "must be an integer")]
    [InlineData("top_p", "1.5", "outside the sane range")]
    [InlineData("repetition_penalty", "0", "outside the sane range")]
    [InlineData("max_new_tokens", "[64]", "must be an integer")]
    public void Wrongly_typed_or_absurd_setting_names_the_file_and_the_field(string field, string value, string problem)
    {
        string path = ConfigFiles.Text($$"""{"eos_token_id": 2, "{{field}}": {{value}}}""", "generation_config.json");
        Rejection.Expect<InvalidConfigException>(() => GenerationConfig.Read(path), path, $"'{field}'", problem);
    }

    [Fact]
    public void Generation_config_that_is_not_JSON_is_rejected()
    {
        string path = ConfigFiles.Text("version https://git-lfs.github.com/spec/v1\n", "generation_config.json");
        Rejection.Expect<InvalidConfigException>(() => GenerationConfig.Read(path), path, "not valid JSON");
    }
}
