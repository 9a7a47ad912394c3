using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Reports;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Tests.Reports;

public sealed class StudyProvenanceTests
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    // sha256sum data/models/brown-llama-7m/model.safetensors (GNU coreutils 9.1), 2026-12-07.
    private const string BrownSha256 = "6def9c7ad11c7c4215586adbc94021edce18dd16030ac0d0d8a85bd77f1198c8";

    private static async Task<(NotebookRunResult Result, string Html)> RunLoadingStudyAsync()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "study.dib");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell("#!llm-load"), NotebookCell.CSharpCell("#!llm-load --name again")), input);
        var html = Path.Combine(dir, "study.html");
        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { HtmlPath = html }, TextWriter.Null, Cancel);
        Assert.Equal(NotebookRunner.ExitSucceeded, result.ExitCode);
        return (result, File.ReadAllText(html));
    }

    [Fact]
    public async Task The_executed_notebook_records_the_environment_and_each_loaded_model_once_with_its_sha256()
    {
        var (result, _) = await RunLoadingStudyAsync();

        var written = NotebookFile.Load(result.OutputPath!);
        var llmlab = written.ExtraMetadata![StudyProvenance.MetadataKey]!.AsObject();
        Assert.Equal(RuntimeInformation.FrameworkDescription, (string?)llmlab["environment"]!["dotNet"]);
        Assert.Equal(Environment.ProcessorCount, (int?)llmlab["environment"]!["cpuCores"]);
        Assert.Matches("^([0-9a-f]{40}|unknown)$", (string?)llmlab["environment"]!["commit"]);
        // Other tests load models in parallel in this process; the study's own model must be there exactly once.
        var model = Assert.Single(llmlab["models"]!.AsArray(), m => ((string?)m!["path"])!.EndsWith("brown-llama-7m", StringComparison.Ordinal))!;
        Assert.Equal(BrownSha256, (string?)model["files"]![0]!["sha256"]);
    }

    [Fact]
    public async Task The_report_header_shows_the_environment_and_the_model_hash()
    {
        var (_, html) = await RunLoadingStudyAsync();

        Assert.Contains("<details class=\"provenance\"><summary>Environment and 1 model (SHA-256)</summary>", html);
        Assert.Contains($"<th>.NET</th><td>{RuntimeInformation.FrameworkDescription}</td>", html);
        Assert.Contains($"sha256 <code>{BrownSha256}</code>", html);
    }

    [Fact]
    public async Task A_model_loaded_by_csharp_code_rather_than_a_magic_is_recorded_with_its_hash()
    {
        var dir = TestPaths.TempDir();
        var model = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "models", "llama-tiny-bf16");
        var input = Path.Combine(dir, "study.dib");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell($"var m = DeviceCatalog.Default.Load(@\"{model}\"); m.Dispose();")), input);

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input), TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitSucceeded, result.ExitCode);
        var models = NotebookFile.Load(result.OutputPath!).ExtraMetadata![StudyProvenance.MetadataKey]!["models"]!.AsArray();
        var recorded = Assert.Single(models, m => (string?)m!["path"] == model)!;
        Assert.Equal(FileHashCache.Hash(Path.Combine(model, "model-00001-of-00003.safetensors")), (string?)recorded["files"]![0]!["sha256"]);
    }

    [Fact]
    public void Without_a_gpu_the_fingerprint_says_none_and_why()
    {
        var environment = EnvironmentFingerprint.Capture(new LlmLab.Backends.DeviceCatalog([]));

        var gpu = environment.Describe().Single(l => l.Key == "GPU").Value;

        Assert.StartsWith("none (this build has no GPU backend", gpu);
    }

    [Fact]
    public void An_output_whose_model_json_is_damaged_is_left_out_of_the_provenance()
    {
        var cell = NotebookCell.CSharpCell("#!llm-load") with
        {
            Outputs = [new DisplayDataOutput(new Dictionary<string, string> { [ModelFingerprint.MimeType] = "{\"path\": 3" })],
        };
        var environment = EnvironmentFingerprint.Capture(new LlmLab.Backends.DeviceCatalog([]));

        var provenance = StudyProvenance.Of(NotebookDocument.Create(cell), environment);

        Assert.Empty(provenance.Models);
        Assert.IsType<JsonObject>(provenance.ToJson()["environment"]);
    }
}
