using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>
/// <c>--tensor-split</c> against llama.cpp's layer split (src/llama-model.cpp, <c>load_tensors</c>): cumulative
/// proportions normalised to 1; of the layers + output slots, the last n_gpu_layers go to the GPUs, offloaded slot i to
/// the first GPU whose cumulative share exceeds i ÷ offloaded (std::upper_bound); the input embedding on the CPU. The
/// expected maps are that formula worked by hand.
/// </summary>
public sealed class TensorSplitTests
{
    [Fact]
    public void Three_to_one_over_all_33_slots_gives_cuda0_slots_0_to_24_and_cuda1_the_rest_with_the_head()
    {
        // Shares [0.75, 1]; slot i is on cuda:0 while i / 33 < 0.75, i.e. i ≤ 24.
        var map = DeviceMap.TensorSplit([3, 1], 33, 32);

        Assert.Equal("cpu", map.Embedding);
        Assert.All(map.Layers.Take(25), d => Assert.Equal("cuda:0", d));
        Assert.All(map.Layers.Skip(25), d => Assert.Equal("cuda:1", d));
        Assert.Equal("cuda:1", map.Output);
    }

    [Fact]
    public void With_n_gpu_layers_the_proportions_share_only_the_offloaded_last_slots()
    {
        // 17 slots offloaded of 33: slots 16…32; shares [0.5, 1]; (i − 16) / 17 < 0.5 for i ≤ 24.
        var map = DeviceMap.TensorSplit([1, 1], 17, 32);

        Assert.Equal("embedding on cpu, layers 0-15 on cpu, 16-24 on cuda:0, 25-31 on cuda:1, output on cuda:1", map.Describe());
    }

    [Fact]
    public void A_gpu_of_proportion_zero_takes_no_layer()
    {
        var map = DeviceMap.TensorSplit([1, 0, 1], 33, 32);

        Assert.DoesNotContain("cuda:1", map.Devices);
        Assert.Contains("cuda:0", map.Devices);
        Assert.Contains("cuda:2", map.Devices);
    }

    [Fact]
    public void One_proportion_is_the_n_gpu_layers_split_for_every_count()
    {
        for (int n = 0; n <= 33; n++)
        {
            var split = DeviceMap.TensorSplit([1], n, 32);
            var layers = DeviceMap.GpuLayers("cuda:0", n, 32);
            Assert.Equal(layers.Describe(), split.Describe());
        }
    }

    [Theory]
    [InlineData("", "--tensor-split is empty; give one proportion per GPU")]
    [InlineData("  ", "--tensor-split is empty; give one proportion per GPU")]
    [InlineData("3,-1", "--tensor-split '3,-1': proportion -1 must be a finite number ≥ 0")]
    [InlineData("0,0", "--tensor-split '0,0': every proportion is 0, so no GPU takes a layer")]
    [InlineData("3,x", "--tensor-split '3,x': 'x' is not a number")]
    [InlineData("3,,1", "--tensor-split '3,,1': '' is not a number")]
    [InlineData("1,1,1", "--tensor-split '1,1,1' gives 3 proportions but 2 GPUs are given")]
    public void A_bad_tensor_split_is_refused_with_one_line_naming_the_problem(string text, string start)
    {
        var e = Assert.Throws<InvalidOptionException>(() => DeviceMap.ParseTensorSplit(text, gpuCount: 2));

        Assert.StartsWith(start, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Proportions_parse_as_invariant_decimals()
    {
        Assert.Equal([0.6, 0.4], DeviceMap.ParseTensorSplit("0.6, 0.4", gpuCount: null));
    }
}
