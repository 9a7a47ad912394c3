using LlmLab.Measurement;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmLoadMagicTests
{
    [Fact]
    public async Task Loading_defines_a_typed_model_variable_that_later_cells_use()
    {
        var session = await EngineSessions.StartAsync();
        (await session.RunAsync("#!llm-load")).Succeeded();

        var result = (await session.RunAsync("model.Config.NumLayers + model.Config.HiddenSize")).Succeeded();

        Assert.Equal("262", result.DisplayedText());
    }

    [Fact]
    public async Task Loading_says_where_the_model_went_and_shows_its_summary()
    {
        var session = await EngineSessions.StartAsync();

        var result = (await session.RunAsync("#!llm-load --name brown")).Succeeded();

        Assert.StartsWith("brown: brown-llama-7m loaded on cpu in ", result.Stdout());
        // The planner's weights beside the ledger's, equal on the CPU (PlannerVersusLedgerTests holds them to the byte).
        var weights = ModelSummary.Inspect(LlmLab.Models.EmbeddedModel.Resolve(null)).WeightBytes;
        string held = LlmLab.Backends.ByteCount.Format(weights);
        Assert.Contains($"  cpu: weights planned {held}, held {held}; a session of 1024 tokens adds KV cache ", result.Stdout());
        var summary = result.Displays()[0].Data;
        Assert.StartsWith("brown-llama-7m · llama · 6.45 M parameters", summary[MimeTypes.PlainText]);
        Assert.Contains("class=\"llmlab-chart\"", summary[MimeTypes.Html]);
        Assert.Equal("true", (await session.RunAsync("brown is LlmLab.Models.Transformer")).DisplayedText());
    }

    [Fact]
    public async Task Loading_a_folder_that_is_not_a_model_fails_the_cell_naming_the_folder()
    {
        var session = await EngineSessions.StartAsync();
        var empty = TestPaths.TempDir();

        var result = await session.RunAsync($"#!llm-load {empty}");

        Assert.Contains(empty, result.Error?.Message);
    }

    [Fact]
    public async Task A_cuda_device_in_a_build_without_a_cuda_backend_fails_the_cell_saying_so()
    {
        var session = await EngineSessions.StartAsync();

        var result = await session.RunAsync("#!llm-load --device cuda:0");

        Assert.Equal("InvalidOptionException", result.Error?.Name);
        Assert.Contains("no CUDA backend", result.Error?.Message);
    }

    [Fact]
    public async Task A_kv_type_becomes_the_models_load_time_kv_type()
    {
        var session = await EngineSessions.StartAsync();
        var loaded = (await session.RunAsync("#!llm-load --kv-type q4_0")).Succeeded();

        var result = (await session.RunAsync("model.KvType.ToString()")).Succeeded();

        Assert.Equal("Q4_0", result.DisplayedText());
        // The load-time plan sizes a session's KV cache in that type.
        var planned = LlmLab.Planning.PlanModel.Resolve(LlmLab.Models.EmbeddedModel.Resolve(null), null) with { KvType = LlmLab.Backends.KvCacheType.Q4_0 };
        long kv = LlmLab.Planning.MemoryPlanner.Plan(planned, LlmLab.Planning.DeviceMap.OnDevice("cpu", planned.Config.NumLayers), 1024, 1,
            new Dictionary<string, LlmLab.Planning.PlanDevice>()).Devices[0].KvCacheBytes;
        Assert.Contains($"a session of 1024 tokens adds KV cache {LlmLab.Backends.ByteCount.Format(kv)} + ", loaded.Stdout());
    }

    [Fact]
    public async Task An_unknown_kv_type_is_refused_naming_the_choices()
    {
        var session = await EngineSessions.StartAsync();

        var result = await session.RunAsync("#!llm-load --kv-type q3_k");

        Assert.Contains("--kv-type must be one of f32, f16, bf16, q8_0, q4_0", result.Error?.Message);
    }

    [Fact]
    public async Task A_variable_name_that_is_not_a_csharp_identifier_is_refused_before_loading()
    {
        var session = await EngineSessions.StartAsync();

        var result = await session.RunAsync("#!llm-load --name class");

        Assert.Equal("'class' cannot be a variable name: it is a C# keyword.", result.Error?.Message);
    }

    [Fact]
    public async Task Inspect_shows_the_summary_of_a_loaded_model_or_of_a_folder()
    {
        var session = await EngineSessions.WithModelAsync();

        var ofVariable = (await session.RunAsync("#!llm-inspect model")).Succeeded().DisplayedText();
        var ofDefault = (await session.RunAsync("#!llm-inspect")).Succeeded().DisplayedText();

        Assert.Equal(ofDefault, ofVariable);
        Assert.Contains("mlp               18     3170304", ofVariable);
    }

    [Fact]
    public async Task Inspect_of_a_name_that_is_neither_a_folder_nor_a_model_variable_says_so()
    {
        var session = await EngineSessions.StartAsync();

        var result = await session.RunAsync("#!llm-inspect missing");

        Assert.Equal("#!llm-inspect: 'missing' is neither a model folder, a .gguf file nor a variable holding a model loaded by #!llm-load.", result.Error?.Message);
    }

    [Fact]
    public async Task The_memory_ledger_of_a_loaded_model_shows_its_weights_by_category()
    {
        var session = await EngineSessions.WithModelAsync();

        var text = (await session.RunAsync("model.Backend.Memory")).Succeeded().DisplayedText();

        Assert.StartsWith("Memory held on cpu", text);
        var weightBytes = ModelSummary.Inspect(LlmLab.Models.EmbeddedModel.Resolve(null)).WeightBytes;
        Assert.Matches($@"\nweights +{weightBytes} ", text);
        Assert.Matches(@"\nKV cache +0 ", text);
    }

    [Fact]
    public async Task Loading_shows_the_sha256_of_the_weight_file_as_text_and_as_json_for_the_report()
    {
        var session = await EngineSessions.StartAsync();

        var result = (await session.RunAsync("#!llm-load")).Succeeded();

        var fingerprint = result.Displays()[1].Data;
        Assert.Contains(BrownSha256, fingerprint[MimeTypes.PlainText]);
        Assert.Contains($"\"sha256\":\"{BrownSha256}\"", fingerprint[LlmLab.Reproducibility.ModelFingerprint.MimeType]);
    }

    [Fact]
    public async Task A_sha256_that_does_not_match_refuses_the_model_in_one_line_naming_both_hashes()
    {
        var session = await EngineSessions.StartAsync();
        const string other = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

        var result = await session.RunAsync($"#!llm-load --sha256 {other}");

        Assert.Equal("InvalidCheckpointException", result.Error?.Name);
        Assert.Contains(BrownSha256, result.Error?.Message);
        Assert.Contains(other, result.Error?.Message);
        Assert.DoesNotContain('\n', result.Error!.Message);
        Assert.False(session.TryGetVariable("model", out _));
    }

    [Fact]
    public async Task A_matching_sha256_loads_the_model()
    {
        var session = await EngineSessions.StartAsync();

        (await session.RunAsync($"#!llm-load --sha256 {BrownSha256}")).Succeeded();

        Assert.True(session.TryGetVariable("model", out _));
    }

    // sha256sum data/models/brown-llama-7m/model.safetensors (GNU coreutils 9.1), 2026-12-07.
    private const string BrownSha256 = "6def9c7ad11c7c4215586adbc94021edce18dd16030ac0d0d8a85bd77f1198c8";
}
