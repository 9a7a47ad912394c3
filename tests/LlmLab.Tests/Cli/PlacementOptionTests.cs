namespace LlmLab.Tests.Cli;

/// <summary>
/// The placement options on a loading command (not only on <c>plan</c>): a JSON map and a strategy resolve once the
/// model is read and the model runs over the map. This machine has no GPU, so the maps here place everything on the
/// CPU (a strategy with no GPU budget leaves every layer to the CPU, as accelerate does); the CUDA suite runs real splits.
/// </summary>
public sealed class PlacementOptionTests : IDisposable
{
    private readonly string _dir = Fixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Generated(params string[] extra) =>
        CliRunner.Run(null, ["generate", "--prompt", "The jury said", "--max-new-tokens", "8", .. extra]) is { ExitCode: 0 } r ? r.Stdout
            : throw new Xunit.Sdk.XunitException("generate failed");

    [Fact]
    public void Generate_over_a_json_map_and_over_a_strategy_writes_the_text_of_one_device()
    {
        string map = Path.Combine(_dir, "map.json");
        File.WriteAllText(map, """{"embed": "cpu", "layers.0-5": "cpu", "norm": "cpu", "head": "cpu"}""");
        string plain = Generated();

        Assert.Equal(plain, Generated("--device-map", map));
        Assert.Equal(plain, Generated("--device-map", "sequential"));
    }

    [Fact]
    public void A_json_map_that_misses_layers_exits_2_naming_the_file()
    {
        string map = Path.Combine(_dir, "short.json");
        File.WriteAllText(map, """{"embed": "cpu", "layers.0-2": "cpu", "norm": "cpu", "head": "cpu"}""");

        var r = CliRunner.Run(null, "generate", "--prompt", "x", "--device-map", map);

        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("llmlab generate: ", line);
        Assert.Contains("short.json", line);
    }
}
