using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// KV caches stored as Q8_0, Q4_0 and FP8 on the GPU (<c>--kv-type</c>, issue 10): the bytes rope_and_cache writes, and
/// decode (split-K, clusters) and prefill (flash kernel, cuBLASLt path) attention reading them back.
/// References: the CPU's row codecs (<see cref="KvCacheTypes.RowCodec"/>: <see cref="BlockCodec"/>, byte-exact with ggml's
/// quantize_row_q8_0/q4_0_ref, and Fp8HeadCodec with <see cref="Fp8E4M3"/>); a host attention in double precision over the
/// GPU's own cache bytes decoded by those codecs; and the CPU backend storing the same KV type.
/// <para>
/// Bounds. Against the host reference over the same bytes the only differences are the GPU's own roundings, so the
/// bounds of <see cref="OpTests"/> hold: F32 compute ≤ 1e-9, BF16 ≤ 1e-4 (the output's bf16 rounding; prefill also rounds
/// the decoded K, V and P to bf16 for the tensor cores). Against the CPU backend the caches are not the same bytes: the
/// GPU encodes k after RoPE as its compute type holds it, the CPU the fp32 rotation, and where the two straddle a rounding
/// boundary the code differs by one step (a Q4_0 step is amax/8). In F32 compute they differ only where RoPE's products
/// round differently (an ulp, FMA against separate multiply and add), a step flip per ~10⁵ elements at most: ≤ 1e-5. In
/// BF16 compute the bf16 rounding of k (2⁻⁹ relative) flips a step in about 1/64 of the FP8 codes and 1% of the Q4_0
/// nibbles: a host simulation of this (uniform q, k in ±2, v in ±1, both caches from the CPU codecs, K from fp32 against K
/// from bf16, outputs rounded to bf16) gave, over 200 64-wide heads of 40 and 512 keys, mean NMSE 3–5e-5 (Q8_0), 1.7–3.0e-4
/// (FP8), 3.8–8.6e-4 (Q4_0) with worst single heads 2.1e-4, 1.8e-3, 1.3e-2; over 500 groups of four 32-wide heads of 2 to 40
/// keys (the window case) worst groups 1.4e-4, 1.3e-3, 8.4e-3. The bounds are the worst rounded up: 1e-3, 5e-3, 2e-2 (a
/// wrong decode gives NMSE near 1).
/// </para>
/// </summary>
public sealed class KvCacheOpTests
{
    private static readonly KvCacheType[] Types = [KvCacheType.Q8_0, KvCacheType.Q4_0, KvCacheType.FP8];

    /// <summary>(ordinal, compute type, KV type) for every GPU × F32/BF16 × Q8_0/Q4_0/FP8, or (-1, BF16, Q8_0) without a GPU.</summary>
    public static TheoryData<int, DType, KvCacheType> Targets
    {
        get
        {
            var data = new TheoryData<int, DType, KvCacheType>();
            if (Gpu.Ordinals.Length == 0) data.Add(-1, DType.BF16, KvCacheType.Q8_0);
            foreach (int device in Gpu.Ordinals)
                foreach (var type in new[] { DType.F32, DType.BF16 })
                    foreach (var kv in Types) data.Add(device, type, kv);
            return data;
        }
    }

    private static double HostBound(DType type) => type == DType.F32 ? 1e-9 : 1e-4;

    private static double CpuBound(DType type, KvCacheType kv) => type == DType.F32 ? 1e-5 : kv switch
    {
        KvCacheType.Q8_0 => 1e-3,
        KvCacheType.FP8 => 5e-3,
        _ => 2e-2,
    };

    private static void Check(string op, int device, DType type, KvCacheType kv, float[] reference, float[] gpu, double bound)
    {
        double nmse = OpHarness.Nmse(gpu, reference);
        Report.Line($"op {op,-58} cuda:{device} {type,-4} kv {kv.Name(),-4} NMSE {nmse:E2}");
        Assert.True(nmse <= bound, $"{op} (kv {kv.Name()}): NMSE {nmse:E3} above {bound:E1}");
    }

    [Theory, MemberData(nameof(Targets))]
    public void Cache_rows_written_on_the_gpu_are_the_cpu_codec_bytes(int device, DType type, KvCacheType kvType)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu, seed: 77);
        const int heads = 8, kvHeads = 4, headDim = 64, batch = 2, maxSeq = 16, layer = 1;
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        using var cache = gpu.AllocateKvCache(new KvCacheShape(2, batch, maxSeq, kvHeads, headDim, null, kvType));
        using var rope = gpu.CreateRopeTable(new RopeConfig("default", 10000).Spec(headDim), maxSeq);
        var codec = KvCacheTypes.RowCodec(cache.Format, headDim);
        int rowBytes = checked((int)cache.RowBytes);
        var (expectedK, expectedV) = (new byte[batch * maxSeq * rowBytes], new byte[batch * maxSeq * rowBytes]);
        var written = new List<(int Sequence, int Position)>();
        int position = 0;
        foreach (int tokens in new[] { 7, 1 })   // a prefill chunk, then a decode step
        {
            int rows = batch * tokens;
            var q = h.Activation(h.Random(rows * qDim, 2), rows, qDim);
            var k = h.Activation(h.Random(rows * kvDim, 2), rows, kvDim);
            var vValues = CacheValues(h, kvType, rows, kvHeads, headDim);
            var v = h.Activation(vValues, rows, kvDim);
            var pos = h.Ints(Enumerable.Range(0, rows).Select(r => position + r % tokens).ToArray());
            gpu.RopeAndCache(q.Gpu, k.Gpu, v.Gpu, rope, new StepLayout(batch, tokens, position, pos.Gpu), cache, layer);
            // The encoder's input: k as RoPE left it in the compute type, v as given.
            var rotated = new float[rows * kvDim];
            gpu.Read(k.Gpu, rotated);
            for (int r = 0; r < rows; r++)
            {
                var at = (Sequence: r / tokens, Position: position + r % tokens);
                int offset = (at.Sequence * maxSeq + at.Position) * rowBytes;
                codec.Quantize(rotated.AsSpan(r * kvDim, kvDim), expectedK.AsSpan(offset, rowBytes));
                codec.Quantize(vValues.AsSpan(r * kvDim, kvDim), expectedV.AsSpan(offset, rowBytes));
                written.Add(at);
            }
            position += tokens;
        }
        var (actualK, actualV) = (new byte[expectedK.Length], new byte[expectedV.Length]);
        gpu.ReadKvCache(cache, layer, values: false, actualK);
        gpu.ReadKvCache(cache, layer, values: true, actualV);
        foreach (var (sequence, pos) in written)
        {
            int offset = (sequence * maxSeq + pos) * rowBytes;
            AssertSameBytes($"K of sequence {sequence} position {pos}", expectedK.AsSpan(offset, rowBytes), actualK.AsSpan(offset, rowBytes));
            AssertSameBytes($"V of sequence {sequence} position {pos}", expectedV.AsSpan(offset, rowBytes), actualV.AsSpan(offset, rowBytes));
        }
        Report.Line($"kv cache bytes cuda:{device} {type} {kvType.Name()}: {written.Count} K and V rows of {rowBytes} bytes equal the CPU codec's");
    }

    [Theory, MemberData(nameof(Targets))]
    public void The_fused_qkv_projection_writes_the_cache_rows_the_cpu_codec_writes_for_its_k_and_v(int device, DType type, KvCacheType kvType)
    {
        // QkvRopeAndCache's decode path (one GEMV launch, whose fused RoPE epilogue writes only a compute-type cache) and its
        // prefill path (one product over q/k/v placed back to back, split by RoPE) must both leave the encoded rows.
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu, seed: 5);
        const int heads = 8, kvHeads = 4, headDim = 64, hidden = 256, batch = 2, maxSeq = 16;
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        using var cache = gpu.AllocateKvCache(new KvCacheShape(1, batch, maxSeq, kvHeads, headDim, null, kvType));
        using var rope = gpu.CreateRopeTable(new RopeConfig("default", 10000).Spec(headDim), maxSeq);
        var qkv = h.WeightGroup(hidden, ("q", h.Random(qDim * hidden, 0.1f), qDim), ("k", h.Random(kvDim * hidden, 0.1f), kvDim), ("v", h.Random(kvDim * hidden, 0.1f), kvDim));
        var weights = new QkvWeights(qkv[0].Gpu, qkv[1].Gpu, qkv[2].Gpu);
        var codec = KvCacheTypes.RowCodec(cache.Format, headDim);
        int rowBytes = checked((int)cache.RowBytes), position = 0;
        var (cacheK, cacheV) = (new byte[batch * maxSeq * rowBytes], new byte[batch * maxSeq * rowBytes]);
        foreach (int tokens in new[] { 5, 1 })
        {
            int rows = batch * tokens;
            var x = h.Activation(h.Random(rows * hidden), rows, hidden);
            var (q, k, v) = (h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim));
            var pos = h.Ints(Enumerable.Range(0, rows).Select(r => position + r % tokens).ToArray());
            gpu.QkvRopeAndCache(x.Gpu, weights, 1e-5f, rope, new StepLayout(batch, tokens, position, pos.Gpu), cache, 0, q.Gpu, k.Gpu, v.Gpu);
            var (kOut, vOut) = (new float[rows * kvDim], new float[rows * kvDim]);
            gpu.Read(k.Gpu, kOut);
            gpu.Read(v.Gpu, vOut);
            gpu.ReadKvCache(cache, 0, values: false, cacheK);
            gpu.ReadKvCache(cache, 0, values: true, cacheV);
            var expected = new byte[rowBytes];
            for (int r = 0; r < rows; r++)
            {
                int sequence = r / tokens, at = position + r % tokens, offset = (sequence * maxSeq + at) * rowBytes;
                codec.Quantize(kOut.AsSpan(r * kvDim, kvDim), expected);
                AssertSameBytes($"{(tokens == 1 ? "decode" : "prefill")} K of sequence {sequence} position {at}", expected, cacheK.AsSpan(offset, rowBytes));
                codec.Quantize(vOut.AsSpan(r * kvDim, kvDim), expected);
                AssertSameBytes($"{(tokens == 1 ? "decode" : "prefill")} V of sequence {sequence} position {at}", expected, cacheV.AsSpan(offset, rowBytes));
            }
            position += tokens;
        }
    }

    /// <summary>
    /// V rows for the byte test: head 0 holds the rounding corner cases of the format (exactly representable in bf16),
    /// head 1 zeros (a zero scale), the others random. Q8_0: amax 127 (d = 1), so x·(1/d) is x: halves round away from
    /// zero. Q4_0: −8 the value of largest magnitude (d = 1): x + 8.5 lands on integers, 7.5 clamps to 15; the second
    /// block's largest magnitude is a tie (+4 first, −4 later): ggml takes the first. FP8: amax 448 (scale 1): the
    /// midpoints between neighbouring E4M3 values (ties to even), subnormal ones included. Odd rows are negated.
    /// </summary>
    private static float[] CacheValues(OpHarness h, KvCacheType kvType, int rows, int kvHeads, int headDim)
    {
        var values = h.Random((long)rows * kvHeads * headDim, 2);
        var corner = new float[headDim];
        switch (kvType)
        {
            case KvCacheType.Q8_0:
                corner[0] = 127;
                for (int i = 1; i < headDim; i++) corner[i] = (i % 2 == 0 ? 1 : -1) * (i % 32 + 0.5f);
                break;
            case KvCacheType.Q4_0:
                corner[0] = -8;
                for (int i = 1; i < 32; i++) corner[i] = i % 15 - 7 + 0.5f;
                for (int i = 32; i < headDim; i++) corner[i] = ((i * 7) % 13 - 6) * 0.5f;
                corner[35] = 4;
                corner[42] = -4;
                break;
            default:
                corner[0] = Fp8E4M3.MaxValue;
                for (int i = 1; i < headDim; i++)
                {
                    byte code = (byte)(i * 2 % 0x7E);
                    corner[i] = (i % 2 == 0 ? 1 : -1) * (Fp8E4M3.ToSingle(code) + Fp8E4M3.ToSingle((byte)(code + 1))) / 2;
                }
                break;
        }
        int kvDim = kvHeads * headDim;
        for (int r = 0; r < rows; r++)
        {
            float sign = r % 2 == 0 ? 1 : -1;
            for (int i = 0; i < headDim; i++)
            {
                values[r * kvDim + i] = sign * corner[i];
                values[r * kvDim + headDim + i] = 0;
            }
        }
        return values;
    }

    private static void AssertSameBytes(string what, ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        int first = expected.CommonPrefixLength(actual);
        if (first < expected.Length)
            Assert.Fail($"{what}: byte {first} is 0x{actual[first]:x2}, the CPU codec writes 0x{expected[first]:x2}");
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Fp8_codes_written_on_the_gpu_equal_Fp8E4M3_FromSingle_across_its_range(int device)
    {
        // F32 compute leaves v exact; every head's amax is 448, so its scale is 1 and each code is FromSingle(x) itself.
        using var gpu = Gpu.Open(device, DType.F32);
        using var h = new OpHarness(gpu, seed: 448);
        const int kvHeads = 4, headDim = 128, tokens = 64;
        int kvDim = kvHeads * headDim, headBytes = 4 + headDim;
        using var cache = gpu.AllocateKvCache(new KvCacheShape(1, 1, tokens, kvHeads, headDim, null, KvCacheType.FP8));
        using var rope = gpu.CreateRopeTable(new RopeConfig("default", 10000).Spec(headDim), tokens);
        var random = new Random(8);
        var v = new float[tokens * kvDim];
        for (int i = 0; i < v.Length; i++)
        {
            // Magnitudes 2^-13 … 2^8.8 (below the smallest subnormal half-step up to 448), either sign.
            float magnitude = MathF.Min(MathF.Pow(2, -13 + 21.8f * (float)random.NextDouble()), 447.9f);
            v[i] = (i % headDim == 0 ? Fp8E4M3.MaxValue : magnitude) * (random.Next(2) == 0 ? 1 : -1);
        }
        var q = h.Activation(h.Random(tokens * kvDim), tokens, kvDim);
        var k = h.Activation(h.Random(tokens * kvDim), tokens, kvDim);
        var vt = h.Activation(v, tokens, kvDim);
        var pos = h.Ints(Enumerable.Range(0, tokens).ToArray());
        gpu.RopeAndCache(q.Gpu, k.Gpu, vt.Gpu, rope, new StepLayout(1, tokens, 0, pos.Gpu), cache, 0);
        var bytes = new byte[tokens * kvHeads * headBytes];
        gpu.ReadKvCache(cache, 0, values: true, bytes);
        for (int i = 0; i < v.Length; i++)
        {
            int head = i / headDim, at = head * headBytes;
            Assert.Equal(1f, BitConverter.ToSingle(bytes, at));
            byte want = Fp8E4M3.FromSingle(v[i]), got = bytes[at + 4 + i % headDim];
            if (want != got) Assert.Fail($"FP8 code of {v[i]:R} is 0x{got:x2}; Fp8E4M3.FromSingle gives 0x{want:x2}");
        }
    }

    /// <summary>Attention shapes: (heads, kvHeads, headDim, batch, prefill tokens, cache length, sliding window).</summary>
    private static readonly (int Heads, int KvHeads, int HeadDim, int Batch, int Tokens, int MaxSeq, int? Window)[] AttentionCases =
    [
        (8, 2, 64, 1, 37, 512, null),    // group 4, llama-3.2-1b head width
        (8, 4, 32, 2, 9, 64, null),      // the Brown model's heads
        (32, 8, 128, 1, 70, 512, null),  // llama-3.1-8b's heads
        (16, 2, 64, 2, 40, 256, null),   // group 8
        (24, 2, 32, 1, 4, 512, null),    // group 12: two tiles per KV head
        (4, 2, 32, 1, 20, 512, 6),       // sliding window
        (4, 2, 256, 1, 12, 64, null),    // wider than the flash kernel: the cuBLASLt path in BF16 too
    ];

    [Theory, MemberData(nameof(Targets))]
    public void Attention_over_the_gpu_cache_matches_a_host_reference_decoding_the_same_bytes(int device, DType type, KvCacheType kvType)
    {
        using var gpu = Gpu.Open(device, type);
        foreach (bool flash in new[] { true, false })
        {
            gpu.Tuning = gpu.Tuning with { FlashPrefill = flash };
            foreach (var c in AttentionCases)
                RunSteps(gpu, kvType, c, (name, s) =>
                {
                    var host = HostAttention(gpu, s);
                    Check($"{name} vs host{(flash ? "" : " (no flash)")}", device, type, kvType, host, s.GpuOutput, HostBound(type));
                });
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Attention_matches_the_cpu_backend_storing_the_same_kv_type(int device, DType type, KvCacheType kvType)
    {
        using var gpu = Gpu.Open(device, type);
        foreach (var c in AttentionCases)
            RunSteps(gpu, kvType, c, (name, s) => Check($"{name} vs CPU", device, type, kvType, s.CpuOutput, s.GpuOutput, CpuBound(type, kvType)));
    }

    /// <summary>One attention step's results: both backends' outputs, and what the host reference needs (the GPU's q and cache).</summary>
    private sealed record StepResult(float[] CpuOutput, float[] GpuOutput, float[] GpuQuery, KvCache GpuCache, int Layer, int[] Positions,
        int Batch, int Tokens, int Heads, int? Window);

    /// <summary>Two prefill chunks (the second starts past 0), then three decode steps, on both backends with <paramref name="kvType"/>.</summary>
    private static void RunSteps(CudaBackend gpu, KvCacheType kvType, (int Heads, int KvHeads, int HeadDim, int Batch, int Tokens, int MaxSeq, int? Window) c,
        Action<string, StepResult> check)
    {
        using var h = new OpHarness(gpu, seed: c.HeadDim * 100 + c.Heads);
        string name = $"h{c.Heads}/kv{c.KvHeads} d{c.HeadDim} b{c.Batch}{(c.Window is { } win ? $" window {win}" : "")}";
        var rope = new RopeConfig("llama3", 500000, 8, 1, 4, 64);
        using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(c.HeadDim), c.MaxSeq);
        using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(c.HeadDim), c.MaxSeq);
        var shape = new KvCacheShape(2, c.Batch, c.MaxSeq, c.KvHeads, c.HeadDim, c.Window, kvType);
        using var cpuCache = h.Cpu.AllocateKvCache(shape);
        using var gpuCache = h.Gpu.AllocateKvCache(shape);
        int position = 0;
        foreach (int tokens in new[] { c.Tokens, 3, 1, 1, 1 })
        {
            int rows = c.Batch * tokens, qDim = c.Heads * c.HeadDim, kvDim = c.KvHeads * c.HeadDim;
            var q = h.Activation(h.Random(rows * qDim, 2), rows, qDim);
            var k = h.Activation(h.Random(rows * kvDim, 2), rows, kvDim);
            var v = h.Activation(h.Random(rows * kvDim), rows, kvDim);
            var positions = Enumerable.Range(0, rows).Select(r => position + r % tokens).ToArray();
            var pos = h.Ints(positions);
            var cpuStep = new StepLayout(c.Batch, tokens, position, pos.Cpu);
            var gpuStep = new StepLayout(c.Batch, tokens, position, pos.Gpu);
            h.Cpu.RopeAndCache(q.Cpu, k.Cpu, v.Cpu, cpuRope, cpuStep, cpuCache, 1);
            h.Gpu.RopeAndCache(q.Gpu, k.Gpu, v.Gpu, gpuRope, gpuStep, gpuCache, 1);
            var o = h.Empty(rows, qDim);
            h.Cpu.Attention(q.Cpu, cpuCache, 1, cpuStep, o.Cpu);
            h.Gpu.Attention(q.Gpu, gpuCache, 1, gpuStep, o.Gpu);
            var (co, go) = h.Read(o);
            var gq = new float[rows * qDim];
            gpu.Read(q.Gpu, gq);
            check($"attention {(tokens == 1 ? "decode" : "prefill")} {name} T={tokens} at {position}",
                new StepResult(co, go, gq, gpuCache, 1, positions, c.Batch, tokens, c.Heads, c.Window));
            position += tokens;
        }
    }

    /// <summary>
    /// Causal grouped-query attention in double precision over the GPU's cache as stored: each row of K and V read back and
    /// decoded by the CPU's codec, q as the GPU rotated it. Row r of the step is sequence r / tokens at positions[r].
    /// </summary>
    private static float[] HostAttention(CudaBackend gpu, StepResult s)
    {
        var shape = s.GpuCache.Shape;
        int headDim = shape.HeadDim, kvDim = shape.RowElements, group = s.Heads / shape.KvHeads, rowBytes = checked((int)s.GpuCache.RowBytes);
        int keys = s.Positions.Max() + 1;
        var codec = KvCacheTypes.RowCodec(s.GpuCache.Format, headDim);
        var (kBytes, vBytes) = (new byte[shape.Batch * shape.MaxSequence * rowBytes], new byte[shape.Batch * shape.MaxSequence * rowBytes]);
        gpu.ReadKvCache(s.GpuCache, s.Layer, values: false, kBytes);
        gpu.ReadKvCache(s.GpuCache, s.Layer, values: true, vBytes);
        var output = new float[s.GpuOutput.Length];
        var (kRow, vRow) = (new float[kvDim], new float[kvDim]);
        for (int b = 0; b < s.Batch; b++)
        {
            var (k, v) = (new float[keys * kvDim], new float[keys * kvDim]);
            for (int j = 0; j < keys; j++)
            {
                int offset = (b * shape.MaxSequence + j) * rowBytes;
                codec.Dequantize(kBytes.AsSpan(offset, rowBytes), k.AsSpan(j * kvDim, kvDim));
                codec.Dequantize(vBytes.AsSpan(offset, rowBytes), v.AsSpan(j * kvDim, kvDim));
            }
            for (int t = 0; t < s.Tokens; t++)
            {
                int row = b * s.Tokens + t, pos = s.Positions[row];
                int first = s.Window is int w && w > 0 ? Math.Max(0, pos - w + 1) : 0;
                for (int head = 0; head < s.Heads; head++)
                {
                    int kvHead = head / group, qAt = (row * s.Heads + head) * headDim;
                    var scores = new double[pos + 1 - first];
                    double max = double.NegativeInfinity;
                    for (int j = first; j <= pos; j++)
                    {
                        double dot = 0;
                        for (int e = 0; e < headDim; e++) dot += (double)s.GpuQuery[qAt + e] * k[j * kvDim + kvHead * headDim + e];
                        scores[j - first] = dot / Math.Sqrt(headDim);
                        max = Math.Max(max, scores[j - first]);
                    }
                    double sum = 0;
                    for (int i = 0; i < scores.Length; i++) sum += scores[i] = Math.Exp(scores[i] - max);
                    for (int e = 0; e < headDim; e++)
                    {
                        double acc = 0;
                        for (int j = first; j <= pos; j++) acc += scores[j - first] * v[j * kvDim + kvHead * headDim + e];
                        output[qAt + e] = (float)(acc / sum);
                    }
                }
            }
        }
        return output;
    }

    [Theory, MemberData(nameof(Targets))]
    public void Decode_attention_over_a_long_quantized_cache_matches_the_host_with_and_without_clusters(int device, DType type, KvCacheType kvType)
    {
        using var gpu = Gpu.Open(device, type);
        const int maxSeq = 2048;
        foreach (var (heads, kvHeads, headDim) in new[] { (32, 8, 64), (32, 8, 128) })
            foreach (int batch in new[] { 1, 2 })
            {
                using var h = new OpHarness(gpu, seed: headDim + heads + batch);
                using var rope = gpu.CreateRopeTable(new RopeConfig("default", 500000).Spec(headDim), maxSeq);
                using var cache = gpu.AllocateKvCache(new KvCacheShape(1, batch, maxSeq, kvHeads, headDim, null, kvType));
                int qDim = heads * headDim, kvDim = kvHeads * headDim, prefix = maxSeq - 1;
                {
                    int n = batch * prefix;
                    var (pq, pk, pv) = (h.Activation(h.Random(n * qDim), n, qDim), h.Activation(h.Random(n * kvDim, 2), n, kvDim), h.Activation(h.Random(n * kvDim), n, kvDim));
                    var pos = h.Ints(Enumerable.Range(0, n).Select(r => r % prefix).ToArray());
                    gpu.RopeAndCache(pq.Gpu, pk.Gpu, pv.Gpu, rope, new StepLayout(batch, prefix, 0, pos.Gpu), cache, 0);
                }
                foreach (int position in new[] { 0, 300, 1000, 2047 })
                {
                    var q = h.Activation(h.Random(batch * qDim, 2), batch, qDim);
                    var k = h.Activation(h.Random(batch * kvDim, 2), batch, kvDim);
                    var v = h.Activation(h.Random(batch * kvDim), batch, kvDim);
                    var positions = Enumerable.Repeat(position, batch).ToArray();
                    var pos = h.Ints(positions);
                    var step = new StepLayout(batch, 1, position, pos.Gpu);
                    gpu.RopeAndCache(q.Gpu, k.Gpu, v.Gpu, rope, step, cache, 0);
                    var o = h.Empty(batch, qDim);
                    var gq = new float[batch * qDim];
                    gpu.Read(q.Gpu, gq);
                    float[]? host = null;
                    foreach (bool cluster in new[] { false, true })
                    {
                        gpu.Tuning = gpu.Tuning with { ClusterAttention = cluster };
                        gpu.Attention(q.Gpu, cache, 0, step, o.Gpu);
                        var go = new float[batch * qDim];
                        gpu.Read(o.Gpu, go);
                        host ??= HostAttention(gpu, new StepResult([], go, gq, cache, 0, positions, batch, 1, heads, null));
                        Check($"decode attention h{heads}/kv{kvHeads} d{headDim} b{batch} at {position}{(cluster ? " (clusters on)" : "")} vs host",
                            device, type, kvType, host, go, HostBound(type));
                    }
                }
            }
    }
}
