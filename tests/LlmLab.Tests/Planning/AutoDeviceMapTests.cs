using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>
/// accelerate's automatic maps (utils/modeling.py: get_balanced_memory, infer_auto_device_map) over the llama-3.1-8b
/// preset in BF16 at 4096 tokens, checked with the planner that sized them and against accelerate's arithmetic by hand.
/// Parts on a GPU: the embedding 128256 × 4096 × 2 = 1,050,673,152 B; a layer 436,240,384 B of weights + 16,777,216 B of
/// K and V (2 × 1024 × 2 B × 4096) = 453,017,600 B; the output (head + fp32 norm) 1,050,689,536 B; the model 16,597,925,888 B.
/// </summary>
public sealed class AutoDeviceMapTests
{
    private const int Context = 4096;
    private const long LayerBytes = 453_017_600, HeadBytes = 1_050_689_536;
    private static readonly PlanModel Llama8b = PlanModel.Resolve("llama-3.1-8b", null);

    private static DeviceMap Infer(DeviceMapStrategy strategy, Dictionary<string, long> budgets, bool kvOnCpu = false, int context = Context) =>
        AutoDeviceMap.Infer(Llama8b, strategy, budgets, context, 1, kvCacheOnCpu: kvOnCpu);

    // The budgets as each device's free memory, and a CPU of 256 GiB.
    private static ModelPlan PlanOf(DeviceMap map, Dictionary<string, long> budgets, int context = Context)
    {
        var devices = budgets.ToDictionary(b => b.Key, b => new PlanDevice(b.Key, null, b.Value, b.Value, null, 1, "a test budget"));
        devices.TryAdd("cpu", new PlanDevice("cpu", null, 256L << 30, 256L << 30, null, 1, "a 256 GiB host"));
        return MemoryPlanner.Plan(Llama8b, map, context, 1, devices);
    }

    private static long Total(ModelPlan plan, string device) => plan.Devices.Single(d => d.Device == device).TotalBytes;

    [Fact]
    public void Balanced_over_two_equal_gpus_caps_the_first_at_half_the_model_and_a_quarter_layer_more()
    {
        // get_balanced_memory: cap = 16,597,925,888 / 2 + 1.25 × 453,017,600 = 8,865,234,944 B (+ the GPU's workspace and
        // overhead). cuda:0 takes the embedding and 17 layers: 1,050,673,152 + 17 × 453,017,600 = 8,751,972,352 B; an 18th
        // would make 9,204,989,952. The last GPU keeps its whole budget and takes the rest.
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 80L << 30, ["cuda:1"] = 80L << 30 };

        var map = Infer(DeviceMapStrategy.Balanced, budgets);

        Assert.Equal("embedding on cuda:0, layers 0-16 on cuda:0, 17-31 on cuda:1, output on cuda:1", map.Describe());
        Assert.True(PlanOf(map, budgets).Fits);
    }

    [Fact]
    public void Auto_is_sequential_when_balanced_caps_would_send_layers_to_the_cpu_that_one_gpu_can_hold()
    {
        // Balanced caps cuda:0 at about 9.5 GB (half the model + buffer + overhead); the 4 GiB cuda:1 takes 7 layers; the
        // rest would go to the CPU although cuda:0's 24 GiB holds the whole 16.6 GB model.
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 24L << 30, ["cuda:1"] = 4L << 30 };

        Assert.Contains("cpu", Infer(DeviceMapStrategy.Balanced, budgets).Devices);
        Assert.Equal("all on cuda:0", Infer(DeviceMapStrategy.Auto, budgets).Describe());
        Assert.Equal("all on cuda:0", Infer(DeviceMapStrategy.Sequential, budgets).Describe());
    }

    [Fact]
    public void Auto_is_balanced_when_balanced_keeps_everything_on_the_gpus()
    {
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 24L << 30, ["cuda:1"] = 12L << 30, ["cuda:2"] = 24L << 30 };

        Assert.Equal(Infer(DeviceMapStrategy.Balanced, budgets).Describe(), Infer(DeviceMapStrategy.Auto, budgets).Describe());
    }

    [Fact]
    public void Sequential_fills_cuda0_to_its_budget_before_cuda1()
    {
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 6L << 30, ["cuda:1"] = 40L << 30 };

        var map = Infer(DeviceMapStrategy.Sequential, budgets);

        var plan = PlanOf(map, budgets);
        Assert.True(plan.Fits);
        Assert.DoesNotContain("cpu", map.Devices);
        Assert.True(Total(plan, "cuda:0") + LayerBytes > 6L << 30, $"one more layer would still fit on cuda:0: {map.Describe()}");
        int first = map.Layers.ToList().IndexOf("cuda:1");
        Assert.All(map.Layers.Take(first), d => Assert.Equal("cuda:0", d));
        Assert.All(map.Layers.Skip(first), d => Assert.Equal("cuda:1", d));
    }

    [Fact]
    public void Balanced_low_0_leaves_gpu0_empty_when_the_other_gpus_can_hold_the_model()
    {
        // cuda:1 is capped at 16.6 GB / 2 + buffer; cuda:2 keeps its 40 GiB; together they exceed the model, so cuda:0's
        // budget is max(0, model − theirs) = 0, as accelerate's min_zero.
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 40L << 30, ["cuda:1"] = 40L << 30, ["cuda:2"] = 40L << 30 };

        var map = Infer(DeviceMapStrategy.BalancedLow0, budgets);

        Assert.DoesNotContain("cuda:0", map.Devices);
        Assert.Equal(["cuda:1", "cuda:2"], map.Devices);
        Assert.True(PlanOf(map, budgets).Fits);
    }

    [Fact]
    public void Balanced_low_0_on_one_gpu_is_balanced()
    {
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 10L << 30 };

        Assert.Equal(Infer(DeviceMapStrategy.Balanced, budgets).Describe(), Infer(DeviceMapStrategy.BalancedLow0, budgets).Describe());
    }

    [Fact]
    public void A_model_that_fits_one_gpu_exactly_stays_whole_there_and_one_byte_less_offloads()
    {
        long whole = MemoryPlanner.Plan(Llama8b, DeviceMap.OnDevice("cuda:0", 32), Context, 1, new Dictionary<string, PlanDevice>()).Devices[0].TotalBytes;

        Assert.Equal("all on cuda:0", Infer(DeviceMapStrategy.Sequential, new() { ["cuda:0"] = whole }).Describe());
        Assert.Contains("cpu", Infer(DeviceMapStrategy.Sequential, new() { ["cuda:0"] = whole - 1 }).Devices);
    }

    [Fact]
    public void When_parts_go_to_the_cpu_the_first_gpu_keeps_room_for_the_largest_part_left()
    {
        const long Budget = 8L << 30;
        var budgets = new Dictionary<string, long> { ["cuda:0"] = Budget };

        var map = Infer(DeviceMapStrategy.Sequential, budgets);

        long onGpu = Total(PlanOf(map, budgets), "cuda:0");
        Assert.Equal("cpu", map.Output);                                      // the head (the largest part) is offloaded
        Assert.True(onGpu + HeadBytes <= Budget, $"{onGpu} + {HeadBytes} > {Budget}");
        Assert.True(onGpu + LayerBytes <= Budget, "the reserve, not the budget, stopped the next layer");
    }

    [Fact]
    public void Kv_offload_leaves_room_for_more_layers_on_the_gpu()
    {
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 12L << 30 };

        var withKv = Infer(DeviceMapStrategy.Sequential, budgets, context: 32768);
        var kvOnCpu = Infer(DeviceMapStrategy.Sequential, budgets, kvOnCpu: true, context: 32768);

        Assert.True(kvOnCpu.KvCacheOnCpu);
        Assert.True(kvOnCpu.Layers.Count(d => d == "cuda:0") > withKv.Layers.Count(d => d == "cuda:0"), $"{kvOnCpu.Describe()} vs {withKv.Describe()}");
        Assert.True(PlanOf(kvOnCpu, budgets, 32768).Fits);
    }

    [Fact]
    public void Without_gpus_everything_is_on_the_cpu()
    {
        Assert.Equal("all on cpu", Infer(DeviceMapStrategy.Auto, new() { ["cpu"] = 64L << 30 }).Describe());
        Assert.Equal("all on cpu", Infer(DeviceMapStrategy.Sequential, new() { ["cuda:0"] = 0 }).Describe());
    }

    [Fact]
    public void Budgets_that_name_a_gpu_twice_or_a_negative_size_are_refused()
    {
        var twice = Assert.Throws<InvalidOptionException>(() => Infer(DeviceMapStrategy.Auto, new() { ["cuda:0"] = 1L << 30, ["cuda"] = 2L << 30 }));
        var negative = Assert.Throws<InvalidOptionException>(() => Infer(DeviceMapStrategy.Auto, new() { ["cuda:0"] = -1 }));

        Assert.Equal("the budgets name cuda:0 twice ('cuda'); give each device once", twice.Message);
        Assert.Equal("the budget of cuda:0 is negative (-1 bytes)", negative.Message);
    }

    [Theory]
    [InlineData(DeviceMapStrategy.Auto)]
    [InlineData(DeviceMapStrategy.Balanced)]
    [InlineData(DeviceMapStrategy.BalancedLow0)]
    [InlineData(DeviceMapStrategy.Sequential)]
    public void Every_strategy_chooses_a_map_that_fits_the_budgets_it_was_given(DeviceMapStrategy strategy)
    {
        var budgets = new Dictionary<string, long> { ["cuda:0"] = 5L << 30, ["cuda:1"] = 7L << 30, ["cuda:2"] = 3L << 30 };

        var plan = PlanOf(Infer(strategy, budgets), budgets);

        Assert.True(plan.Fits, plan.Describe());
    }
}
