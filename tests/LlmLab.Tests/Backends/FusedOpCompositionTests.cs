using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Models;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The fused operations on the CPU are exactly the plain ops they stand for (<see cref="ComposedOps"/>): bit for bit the
/// same q, k, v, cache and gate/up as the calls the forward pass made before it called the fused ops by name — on the
/// <see cref="CpuBackend"/> and through the interface's default methods on a backend that forwards only the plain ops.
/// Data: seeded uniform weights and activations in [−1, 1) (norm weights around 1), llama3 RoPE, a prompt of 5 tokens
/// per sequence, then a step of 1 or 3 tokens.
/// </summary>
public sealed unsafe class FusedOpCompositionTests : IDisposable
{
    private const int Hidden = 64, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 96, MaxSequence = 16, Prompt = 5;
    private const float Eps = 1e-6f;
    private const int QDim = Heads * HeadDim, KvDim = KvHeads * HeadDim;

    private static readonly RopeConfig Rope = new("llama3", 500000, 8, 1, 4, 64);

    private readonly CpuBackend _cpu = new();
    private readonly List<GCHandle> _pinned = [];
    private readonly List<IDisposable> _owned = [];
    private readonly Random _random = new(2026);

    /// <summary>(batch, tokens per sequence, biases, q/k norm).</summary>
    public static TheoryData<int, int, bool, bool> Steps()
    {
        var data = new TheoryData<int, int, bool, bool>();
        foreach (var (batch, tokens) in new[] { (1, 1), (2, 1), (2, 3) })
            foreach (bool bias in new[] { false, true })
                foreach (bool norm in new[] { false, true })
                    data.Add(batch, tokens, bias, norm);
        return data;
    }

    [Theory, MemberData(nameof(Steps))]
    public void QkvRopeAndCache_is_bit_for_bit_the_products_the_qk_norm_and_RopeAndCache(int batch, int tokens, bool bias, bool norm)
    {
        var w = Weights(bias, norm);
        var x = Values(batch * tokens * Hidden);
        var plain = AttentionInput(_cpu, w, x, batch, tokens, fused: false);
        var fused = AttentionInput(_cpu, w, x, batch, tokens, fused: true);
        var forwarded = AttentionInput(new TimedChoiceBackend(_cpu, TimeSpan.Zero), w, x, batch, tokens, fused: true);
        Assert.Equal(plain, fused);
        Assert.Equal(plain, forwarded);
    }

    [Theory, MemberData(nameof(Steps))]
    public void QkvProjection_is_bit_for_bit_three_products(int batch, int tokens, bool bias, bool norm)
    {
        var w = Weights(bias, norm);
        int rows = batch * tokens;
        using var x = Tensor(Values(rows * Hidden), rows);
        var outputs = Enumerable.Range(0, 2).Select(_ => (Q: Empty(rows, QDim), K: Empty(rows, KvDim), V: Empty(rows, KvDim))).ToArray();
        _cpu.MatMul(x, w.Query, w.QueryBias, outputs[0].Q);
        _cpu.MatMul(x, w.Key, w.KeyBias, outputs[0].K);
        _cpu.MatMul(x, w.Value, w.ValueBias, outputs[0].V);
        ((IBackend)new TimedChoiceBackend(_cpu, TimeSpan.Zero)).QkvProjection(x, w, outputs[1].Q, outputs[1].K, outputs[1].V);
        Assert.Equal(Read(outputs[0].Q), Read(outputs[1].Q));
        Assert.Equal(Read(outputs[0].K), Read(outputs[1].K));
        Assert.Equal(Read(outputs[0].V), Read(outputs[1].V));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void GateUpSwiGlu_is_bit_for_bit_two_products_and_SwiGlu_in_place(int rows)
    {
        var (gateWeight, upWeight) = (Weight("gate", Intermediate, Hidden), Weight("up", Intermediate, Hidden));
        using var x = Tensor(Values(rows * Hidden), rows);
        var (gate, up) = (Empty(rows, Intermediate), Empty(rows, Intermediate));
        _cpu.MatMul(x, gateWeight, null, gate);
        _cpu.MatMul(x, upWeight, null, up);
        _cpu.SwiGlu(gate, up, gate);
        foreach (var backend in new IBackend[] { _cpu, new TimedChoiceBackend(_cpu, TimeSpan.Zero) })
        {
            var (fusedGate, fusedUp) = (Empty(rows, Intermediate), Empty(rows, Intermediate));
            backend.GateUpSwiGlu(x, gateWeight, upWeight, fusedGate, fusedUp);
            Assert.Equal(Read(gate), Read(fusedGate));
            Assert.Equal(Read(up), Read(fusedUp));
        }
    }

    /// <summary>
    /// A prompt cached with RopeAndCache, then a step's attention input (fused or as the plain calls), then attention over
    /// the cache; returns q, k, v of the step and the attention output, concatenated.
    /// </summary>
    private float[] AttentionInput(IBackend backend, QkvWeights w, float[] xValues, int batch, int tokens, bool fused)
    {
        using var rope = backend.CreateRopeTable(Rope.Spec(HeadDim), MaxSequence);
        using var cache = backend.AllocateKvCache(new KvCacheShape(1, batch, MaxSequence, KvHeads, HeadDim, null));
        var prompt = new Random(5);
        int promptRows = batch * Prompt;
        using (var pq = Tensor(Enumerable.Range(0, promptRows * QDim).Select(_ => (float)(prompt.NextDouble() * 2 - 1)).ToArray(), promptRows))
        using (var pk = Tensor(Enumerable.Range(0, promptRows * KvDim).Select(_ => (float)(prompt.NextDouble() * 2 - 1)).ToArray(), promptRows))
        using (var pv = Tensor(Enumerable.Range(0, promptRows * KvDim).Select(_ => (float)(prompt.NextDouble() * 2 - 1)).ToArray(), promptRows))
        using (var positions = Ints(Enumerable.Range(0, promptRows).Select(r => r % Prompt).ToArray()))
            backend.RopeAndCache(pq, pk, pv, rope, new StepLayout(batch, Prompt, 0, positions), cache, 0);

        int rows = batch * tokens;
        using var x = Tensor(xValues, rows);
        using var stepPositions = Ints(Enumerable.Range(0, rows).Select(r => Prompt + r % tokens).ToArray());
        var step = new StepLayout(batch, tokens, Prompt, stepPositions);
        var (q, k, v, o) = (Empty(rows, QDim), Empty(rows, KvDim), Empty(rows, KvDim), Empty(rows, QDim));
        if (fused) backend.QkvRopeAndCache(x, w, Eps, rope, step, cache, 0, q, k, v);
        else
        {
            // The calls Transformer.Forward made before the fused ops had names.
            backend.MatMul(x, w.Query, w.QueryBias, q);
            backend.MatMul(x, w.Key, w.KeyBias, k);
            backend.MatMul(x, w.Value, w.ValueBias, v);
            if (w.QueryNorm is not null && w.KeyNorm is not null)
            {
                backend.RmsNorm(q, w.QueryNorm, Eps, q);
                backend.RmsNorm(k, w.KeyNorm, Eps, k);
            }
            backend.RopeAndCache(q, k, v, rope, step, cache, 0);
        }
        backend.Attention(q, cache, 0, step, o);
        return [.. Read(q), .. Read(k), .. Read(v), .. Read(o)];
    }

    private QkvWeights Weights(bool bias, bool norm) => new(Weight("q", QDim, Hidden), Weight("k", KvDim, Hidden), Weight("v", KvDim, Hidden))
    {
        QueryBias = bias ? Vector("q_bias", Values(QDim)) : null,
        KeyBias = bias ? Vector("k_bias", Values(KvDim)) : null,
        ValueBias = bias ? Vector("v_bias", Values(KvDim)) : null,
        QueryNorm = norm ? Vector("q_norm", Values(HeadDim).Select(v => 1 + 0.3f * v).ToArray()) : null,
        KeyNorm = norm ? Vector("k_norm", Values(HeadDim).Select(v => 1 + 0.3f * v).ToArray()) : null,
    };

    private float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(_random.NextDouble() * 2 - 1)).ToArray();

    private DeviceWeight Weight(string name, int rows, int cols) => Load(name, Values(rows * cols).Select(v => v * 0.2f).ToArray(), [rows, cols]);

    private DeviceWeight Vector(string name, float[] values) => Load(name, values, [values.Length]);

    private DeviceWeight Load(string name, float[] values, long[] shape)
    {
        var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
        _pinned.Add(handle);
        var weight = _cpu.LoadWeight(new TensorView(name, TensorFormat.F32, shape, (byte*)handle.AddrOfPinnedObject(), (long)values.Length * sizeof(float)));
        _owned.Add(weight);
        return weight;
    }

    private DeviceTensor Tensor(float[] values, int rows)
    {
        var t = _cpu.Allocate(DType.F32, rows, values.Length / rows);
        _cpu.Write(t, values);
        return t;
    }

    private DeviceTensor Ints(int[] values)
    {
        var t = _cpu.Allocate(DType.I32, values.Length, 1);
        _cpu.Write(t, values);
        return t;
    }

    private DeviceTensor Empty(int rows, int cols)
    {
        var t = _cpu.Allocate(DType.F32, rows, cols);
        _owned.Add(t);
        return t;
    }

    private float[] Read(DeviceTensor t)
    {
        var values = new float[t.Length];
        _cpu.Read(t, values);
        return values;
    }

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
        foreach (var h in _pinned) h.Free();
        _cpu.Dispose();
    }
}
