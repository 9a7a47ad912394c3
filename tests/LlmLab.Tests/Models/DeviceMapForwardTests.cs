using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Models;

/// <summary>
/// The forward pass over several backends (issue 11, item 7): a model split by a device map over two CPU backends gives
/// the logits and tokens of the same model on one, bit for bit (the residual stream crosses in fp32, and the CPU's fused
/// add-and-norm is the add followed by the norm), and each backend holds only its part.
/// </summary>
public sealed class DeviceMapForwardTests
{
    private const string A = "cpu", B = "cuda:0";   // labels of the two CPU backends (a map names devices; the test binds them)

    public static TheoryData<string, string> Splits => new()
    {
        // model, map: E = embedding, one letter per layer, O = output ("AAB|B" = embedding on A, layers A,A,B, output on B)
        { "brown", "A|AB|B" },          // half and half, llama.cpp's shape with the embedding on the first device
        { "brown", "B|AA|A" },          // the embedding alone on another device
        { "brown", "A|AA|B" },          // the head alone on another device
        { "brown", "A|BA|B" },          // A → B → A → B: the same device twice, stages on one backend share its cache
        { "qwen2-tiny", "A|AB|B" },     // tied head on another device than the embedding: a copy of the table
        { "qwen2-tiny", "A|BB|A" },     // tied head back on the embedding's device
    };

    private static string PathOf(string model) => model == "brown" ? Fixtures.BrownModel : Fixtures.Model(model);

    // Expands "A|AB|B" to a map over the model's layers: the middle letters repeat in runs to cover every layer.
    private static DeviceMap MapOf(string pattern, int layers)
    {
        var parts = pattern.Split('|');
        string Device(char c) => c == 'A' ? A : B;
        string middle = parts[1];
        var layerDevices = Enumerable.Range(0, layers).Select(l => Device(middle[l * middle.Length / layers])).ToArray();
        return new DeviceMap(Device(parts[0][0]), layerDevices, Device(parts[2][0]));
    }

    [Theory]
    [MemberData(nameof(Splits))]
    public void A_model_split_over_two_cpu_backends_gives_the_logits_of_one_bit_for_bit(string model, string pattern)
    {
        int[] prompt = [1, 5, 9, 2, 7, 3, 11, 4];
        using var one = new CpuBackend();
        using var single = Transformer.Load(PathOf(model), one);
        float[] expected;
        using (var session = single.CreateSession(1, 32)) expected = session.StepToHost(prompt, LogitsFor.AllPositions);

        using var a = new CpuBackend();
        using var b = new CpuBackend();
        var map = MapOf(pattern, single.Config.NumLayers);
        using var split = Transformer.Load(PathOf(model), map, new Dictionary<string, IBackend> { [A] = a, [B] = b });
        using var splitSession = split.CreateSession(1, 32);
        float[] actual = splitSession.StepToHost(prompt, LogitsFor.AllPositions);
        Assert.Equal(expected, actual);
        // Then decode steps after the prefill, through each device's cache.
        using var s1 = single.CreateSession(1, 32, maxTokensPerStep: 4);
        using var s2 = split.CreateSession(1, 32, maxTokensPerStep: 4);
        Assert.Equal(s1.StepToHost(prompt), s2.StepToHost(prompt));
        Assert.Equal(s1.StepToHost([6]), s2.StepToHost([6]));
        Assert.Same(map.Output == A ? a : b, split.Backend);
    }

    [Fact]
    public void Greedy_generation_over_a_split_chooses_the_tokens_of_one_device()
    {
        using var one = new CpuBackend();
        using var single = Transformer.Load(Fixtures.BrownModel, one);
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        using var split = Transformer.Load(Fixtures.BrownModel, MapOf("B|AB|A", single.Config.NumLayers), new Dictionary<string, IBackend> { [A] = a, [B] = b });
        int[] prompt = [1, 20, 30, 40];
        int[] Tokens(Transformer m)
        {
            using var s = m.CreateSession(1, 64);
            return s.Decode(prompt, 24, SamplingOptions.Greedy).SelectMany(t => t.Ids).ToArray();
        }
        var expected = Tokens(single);
        Assert.Equal(24, expected.Length);
        Assert.Equal(expected, Tokens(split));
    }

    [Fact]
    public void Each_backend_holds_only_the_weights_and_kv_cache_of_its_part()
    {
        using var one = new CpuBackend();
        using var single = Transformer.Load(Fixtures.BrownModel, one);
        int layers = single.Config.NumLayers;
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        var map = MapOf("A|AB|B", layers);
        using var split = Transformer.Load(Fixtures.BrownModel, map, new Dictionary<string, IBackend> { [A] = a, [B] = b });
        using var s1 = single.CreateSession(1, 64);
        using var s2 = split.CreateSession(1, 64);
        Assert.Equal(one.Memory[MemoryCategory.Weights], a.Memory[MemoryCategory.Weights] + b.Memory[MemoryCategory.Weights]);
        Assert.Equal(single.Manifest.Weights.Where(w => w.Role == TensorRole.Embedding || (w.Layer is int l && map.Layers[l] == A)).Sum(w => w.Bytes),
            a.Memory[MemoryCategory.Weights]);
        int onA = map.Layers.Count(d => d == A);
        Assert.Equal(one.Memory[MemoryCategory.KvCache] * onA / layers, a.Memory[MemoryCategory.KvCache]);
        Assert.Equal(one.Memory[MemoryCategory.KvCache] * (layers - onA) / layers, b.Memory[MemoryCategory.KvCache]);
        Assert.Equal(2, split.Backends.Count);
    }

    public static TheoryData<string, string> KvOffloadSplits => new()
    {
        { "brown", "B|BB|B" },          // every layer elsewhere: all RoPE, cache writes and attention on the CPU backend
        { "brown", "A|AB|B" },          // layers on the CPU backend attend there as before; the others cross to it
        { "qwen2-tiny", "A|BB|B" },     // q/k/v biases added before the crossing; tied head away from the table
    };

    /// <summary>
    /// <c>--kv-offload none</c> (llama.cpp's -nkvo): with every KV cache on the CPU backend (the map's <c>cpu</c>, A here),
    /// a layer on B projects q, k, v, they cross to A, which applies RoPE, writes the cache and attends, and the output
    /// crosses back. The same ops in the same order on fp32 CPUs: the logits of one device, bit for bit, in prefill and
    /// decode; every KV byte is on A; a decode step crosses four tensors per layer on B besides the residual stream.
    /// </summary>
    [Theory]
    [MemberData(nameof(KvOffloadSplits))]
    public void With_every_kv_cache_on_the_cpu_backend_a_split_gives_the_logits_of_one_device_bit_for_bit(string model, string pattern)
    {
        int[] prompt = [1, 5, 9, 2, 7, 3, 11, 4];
        using var one = new CpuBackend();
        using var single = Transformer.Load(PathOf(model), one);
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        int layers = single.Config.NumLayers;
        var map = MapOf(pattern, layers) with { KvCacheOnCpu = true };
        using var split = Transformer.Load(PathOf(model), map, new Dictionary<string, IBackend> { [A] = a, [B] = b });
        Assert.Same(a, split.KvBackend);
        using var s1 = single.CreateSession(1, 32, maxTokensPerStep: 4);
        using var s2 = split.CreateSession(1, 32, maxTokensPerStep: 4);
        Assert.Equal(one.Memory[MemoryCategory.KvCache], a.Memory[MemoryCategory.KvCache]);
        Assert.Equal(0, b.Memory[MemoryCategory.KvCache]);
        Assert.Equal(s1.StepToHost(prompt, LogitsFor.LastPosition), s2.StepToHost(prompt, LogitsFor.LastPosition));
        var before = s2.Crossings;
        Assert.Equal(s1.StepToHost([6]), s2.StepToHost([6]));
        int stageMoves = split.Stages.Count - 1, layersOnB = map.Layers.Count(d => d == B);
        Assert.Equal(stageMoves + 4 * layersOnB, s2.Crossings.Since(before).Count);
        using var all1 = single.CreateSession(1, 32);
        using var all2 = split.CreateSession(1, 32);
        Assert.Equal(all1.StepToHost(prompt, LogitsFor.AllPositions), all2.StepToHost(prompt, LogitsFor.AllPositions));
    }

    [Fact]
    public void A_map_that_keeps_the_kv_caches_on_the_cpu_without_a_cpu_backend_is_refused_naming_it()
    {
        using var b = new CpuBackend();
        using var probe = Transformer.Load(Fixtures.BrownModel, b);
        var map = DeviceMap.OnDevice(B, probe.Config.NumLayers) with { KvCacheOnCpu = true };
        var e = Assert.Throws<InvalidOptionException>(() => Transformer.Load(Fixtures.BrownModel, map, new Dictionary<string, IBackend> { [B] = b }));
        Assert.Contains("--kv-offload none", e.Message);
        Assert.Contains("no backend", e.Message);
    }

    [Fact]
    public void A_map_that_does_not_cover_the_layers_or_names_a_device_without_a_backend_is_refused_before_loading()
    {
        using var a = new CpuBackend();
        var backends = new Dictionary<string, IBackend> { [A] = a };
        var shortMap = new DeviceMap(A, [A], A);
        var e = Assert.Throws<InvalidOptionException>(() => Transformer.Load(Fixtures.BrownModel, shortMap, backends));
        Assert.Contains("places 1 layers", e.Message);
        using var probe = Transformer.Load(Fixtures.BrownModel, a);
        var unbound = new DeviceMap(A, Enumerable.Repeat(B, probe.Config.NumLayers).ToArray(), B);
        e = Assert.Throws<InvalidOptionException>(() => Transformer.Load(Fixtures.BrownModel, unbound, backends));
        Assert.Contains($"on {B}, which has no backend", e.Message);
    }
}
