using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>An explicit device map from a JSON file: the forms it accepts, and one clear line naming the file for each mistake.</summary>
public sealed class JsonDeviceMapTests
{
    private const string Source = "map.json";

    private static DeviceMap Parse(string json, int layers = 32, int? gpus = 2) => DeviceMap.ParseJson(json, Source, layers, gpus);

    [Fact]
    public void The_example_map_places_the_embedding_two_layer_ranges_and_the_output()
    {
        var map = Parse("""{"embed": "cuda:0", "layers.0-15": "cuda:0", "layers.16-31": "cuda:1", "norm": "cuda:1", "head": "cuda:1"}""");

        Assert.Equal("embedding on cuda:0, layers 0-15 on cuda:0, 16-31 on cuda:1, output on cuda:1", map.Describe());
        Assert.False(map.KvCacheOnCpu);
    }

    [Fact]
    public void Single_layers_and_an_embedding_apart_from_the_layers_are_accepted()
    {
        var map = Parse("""{"embed": "cpu", "layers.0": "cuda:0", "layers.1": "cuda", "layers.2-3": "cpu", "norm": "cuda:1", "head": "cuda:1"}""", layers: 4);

        Assert.Equal(["cuda:0", "cuda:0", "cpu", "cpu"], map.Layers);
        Assert.Equal(("cpu", "cuda:1"), (map.Embedding, map.Output));
    }

    [Theory]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": "cuda:0", "norm": "cuda:0", "head": "cuda:0", "lm_head": "cuda:0"}""",
        "map.json: key \"lm_head\" is not known; use \"embed\", \"layers.N\", \"layers.A-B\", \"norm\" or \"head\"")]
    [InlineData("""{"embed": "cuda:0", "layers.0-16": "cuda:0", "layers.16-31": "cuda:1", "norm": "cuda:1", "head": "cuda:1"}""",
        "map.json: \"layers.16-31\" overlaps \"layers.0-16\" at layer 16; place each layer once")]
    [InlineData("""{"embed": "cuda:0", "layers.0-14": "cuda:0", "layers.16-30": "cuda:1", "norm": "cuda:1", "head": "cuda:1"}""",
        "map.json places no device for layers 15, 31 of 0-31; every layer needs one")]
    [InlineData("""{"embed": "cuda:0", "layers.0-32": "cuda:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"layers.0-32\" is out of range: the model has 32 layers (0-31)")]
    [InlineData("""{"embed": "cuda:0", "layers.31-0": "cuda:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"layers.31-0\" is reversed; write the lower layer first (\"layers.0-31\")")]
    [InlineData("""{"embed": "cuda:0", "layers.0-x": "cuda:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: key \"layers.0-x\" is not a layer or range")]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": "tpu:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"layers.0-31\": device 'tpu:0' is not known; use cpu, cuda or cuda:N")]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": "cuda:2", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"layers.0-31\": device 'cuda:2' is beyond the 2 GPUs given (cuda:0 … cuda:1: ")]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": 0, "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"layers.0-31\" must be a device string (cpu, cuda:N), not a number")]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": "cuda:0", "norm": "cuda:0", "head": "cuda:1"}""",
        "map.json: \"norm\" is on cuda:0 but \"head\" on cuda:1; put them on one device (a map has one output device")]
    [InlineData("""{"layers.0-31": "cuda:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json has no \"embed\"; a map places every part: \"embed\", \"layers.0-31\" (or ranges), \"norm\" and \"head\"")]
    [InlineData("""{"embed": "cuda:0", "embed": "cpu", "layers.0-31": "cuda:0", "norm": "cuda:0", "head": "cuda:0"}""",
        "map.json: \"embed\" is given twice; give it once")]
    [InlineData("""["cuda:0"]""", "map.json: a device map is a JSON object of part → device, not a array")]
    [InlineData("""{"embed": "cuda:0", "layers.0-31": "cuda:0",""", "map.json is not valid JSON (line 1, byte ")]
    public void A_bad_map_is_refused_with_one_line_naming_the_file_and_the_key(string json, string start)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Parse(json));

        Assert.StartsWith(start, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_gpu_in_the_map_when_no_gpu_is_given_says_how_to_name_one()
    {
        var e = Assert.Throws<InvalidOptionException>(() => Parse("""{"embed": "cuda:0"}""", gpus: 0));

        Assert.Equal("map.json: \"embed\": device 'cuda:0' names a GPU but none is given (this machine has none; with llmlab plan, name catalog GPUs with --gpu NAME[,NAME…])", e.Message);
    }

    [Fact]
    public void A_file_that_is_missing_or_too_large_to_be_a_map_is_refused_before_it_is_read()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string big = Path.Combine(dir, "big.json");
            using (var f = File.Create(big)) f.SetLength((1L << 20) + 1);
            var large = Assert.Throws<InvalidOptionException>(() => DeviceMap.FromJsonFile(big, 32, 2));
            Assert.StartsWith($"{big}: 1048577 bytes is too large for a device map (at most 1048576)", large.Message);

            string missing = Path.Combine(dir, "none.json");
            var absent = Assert.Throws<InvalidOptionException>(() => DeviceMap.FromJsonFile(missing, 32, 2));
            Assert.Equal($"--device-map '{missing}' is neither auto, balanced, balanced_low_0, sequential, a device, nor an existing JSON file", absent.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
