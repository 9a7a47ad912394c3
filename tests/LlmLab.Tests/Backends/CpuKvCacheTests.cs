using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The CPU KV cache in each <see cref="KvCacheType"/>: what it stores (the project's codecs, which the LlamaCpp tests hold
/// byte-equal to ggml's quantize_row_q8_0/q4_0), what the ledger counts, and attention over it — exactly fp32 attention
/// over the decoded rows, and within a stated NMSE of attention over an fp32 cache. Data: seeded Gaussian q, k, v
/// (σ = 1), llama3 RoPE, a prefill of 7 tokens, a second chunk of 3 and three decode steps, as the CUDA op tests run.
/// </summary>
public sealed class CpuKvCacheTests
{
    // Attention output NMSE against the fp32 cache, the largest over the steps of each case (seeded Gaussian data). Measured,
    // largest over the three cases: f16 9.4e-8, bf16 6.3e-6, q8_0 6.0e-5, q4_0 1.4e-2 (elements: f16 2⁻¹¹ relative rounding,
    // bf16 2⁻⁸, q8_0 amax/254 per block, q4_0 amax/16); bounds about 3× those.
    private const double F16Nmse = 3e-7;
    private const double Bf16Nmse = 2e-5;
    private const double Q8_0Nmse = 2e-4;
    private const double Q4_0Nmse = 4e-2;
    private const double Fp8Nmse = 4e-3;   // measured 1.06e-3 … 1.28e-3 (E4M3 keeps 3 mantissa bits: (2⁻³)²/12 ≈ 1.3e-3 relative)

    private static readonly RopeConfig Rope = new("llama3", 500000, 8, 1, 4, 64);

    /// <summary>(heads, kvHeads, headDim, batch, sliding window).</summary>
    public static TheoryData<KvCacheType, int, int, int, int, int?> Cases()
    {
        var data = new TheoryData<KvCacheType, int, int, int, int, int?>();
        foreach (var type in new[] { KvCacheType.F16, KvCacheType.BF16, KvCacheType.Q8_0, KvCacheType.Q4_0, KvCacheType.FP8 })
        {
            data.Add(type, 8, 4, 32, 1, null);    // the Brown model's attention shape
            data.Add(type, 4, 1, 64, 2, null);    // two sequences, one KV head for four query heads
            data.Add(type, 4, 2, 128, 1, 5);      // a sliding window shorter than the prefill
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stored_rows_are_the_project_codec_encoding_of_the_rotated_k_and_the_v(KvCacheType type, int heads, int kvHeads, int headDim, int batch, int? window)
    {
        using var run = new AttentionRun(type, heads, kvHeads, headDim, batch, window);
        foreach (var step in run.Steps())
            for (int row = 0; row < step.Rows; row++)
            {
                int seq = row / step.Tokens, pos = step.Start + row % step.Tokens;
                Assert.Equal(run.Encode(step.RotatedK(row)), run.Typed.KeyBytes(0, seq, pos).ToArray());
                Assert.Equal(run.Encode(step.V(row)), run.Typed.ValueBytes(0, seq, pos).ToArray());
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_over_a_typed_cache_is_exactly_fp32_attention_over_its_decoded_rows(KvCacheType type, int heads, int kvHeads, int headDim, int batch, int? window)
    {
        using var run = new AttentionRun(type, heads, kvHeads, headDim, batch, window);
        foreach (var step in run.Steps())
            Assert.Equal(step.DecodedOutput, step.TypedOutput);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_over_a_typed_cache_is_within_its_stated_nmse_of_attention_over_an_fp32_cache(KvCacheType type, int heads, int kvHeads, int headDim, int batch, int? window)
    {
        double bound = type switch
        {
            KvCacheType.F16 => F16Nmse,
            KvCacheType.BF16 => Bf16Nmse,
            KvCacheType.Q8_0 => Q8_0Nmse,
            KvCacheType.FP8 => Fp8Nmse,
            _ => Q4_0Nmse,
        };
        using var run = new AttentionRun(type, heads, kvHeads, headDim, batch, window);
        double worst = 0;
        foreach (var step in run.Steps())
            worst = Math.Max(worst, LogitComparison.Compare(step.TypedOutput, step.Fp32Output, heads * headDim).Nmse);
        TestContext.Current.TestOutputHelper?.WriteLine($"{type} h{heads}/kv{kvHeads} d{headDim} b{batch} window {window}: largest NMSE {worst:E2}");
        Assert.True(worst <= bound, $"{type}: attention NMSE {worst:E3} against the fp32 cache exceeds {bound:E1}");
        Assert.True(worst > 0, $"{type}: the output equals fp32's exactly, so the cache did not store {type}");
    }

    [Theory]
    [InlineData(KvCacheType.Default, 4 * 64 * 4)]
    [InlineData(KvCacheType.F32, 4 * 64 * 4)]
    [InlineData(KvCacheType.F16, 4 * 64 * 2)]
    [InlineData(KvCacheType.BF16, 4 * 64 * 2)]
    [InlineData(KvCacheType.Q8_0, 4 * 2 * 34)]   // 4 heads × 2 blocks of 32 × 34 bytes
    [InlineData(KvCacheType.Q4_0, 4 * 2 * 18)]   // 4 heads × 2 blocks × 18 bytes
    [InlineData(KvCacheType.FP8, 4 * (4 + 64))]  // 4 heads × (an fp32 scale + 64 E4M3 bytes)
    public void The_ledger_counts_the_bytes_the_type_stores(KvCacheType type, int rowBytes)
    {
        using var backend = new CpuBackend();
        const int Layers = 3, Batch = 2, MaxSequence = 10;
        using (var cache = backend.AllocateKvCache(new KvCacheShape(Layers, Batch, MaxSequence, 4, 64, null, type)))
        {
            long expected = 2L * Layers * Batch * MaxSequence * rowBytes;
            Assert.Equal(expected, backend.Memory[MemoryCategory.KvCache]);
            Assert.Equal(expected, cache.Bytes);
        }
        Assert.Equal(0, backend.Memory[MemoryCategory.KvCache]);
    }

    [Fact]
    public void The_default_cpu_cache_is_fp32()
    {
        using var backend = new CpuBackend();
        using var cache = backend.AllocateKvCache(new KvCacheShape(1, 1, 4, 2, 32));
        Assert.Equal(TensorFormat.F32, cache.Format);
        Assert.Equal(DType.F32, cache.DType);
    }

    [Theory]
    [InlineData(KvCacheType.Q8_0)]
    [InlineData(KvCacheType.Q4_0)]
    public void A_block_type_refuses_a_head_width_that_is_not_whole_blocks(KvCacheType type)
    {
        using var backend = new CpuBackend();
        Rejection.Expect<InvalidOptionException>(() => backend.AllocateKvCache(new KvCacheShape(1, 1, 4, 2, 80, null, type)).Dispose(),
            $"--kv-type {type.Name()}", "head_dim is 80", "32-element blocks");
        Assert.Equal(0, backend.Memory[MemoryCategory.KvCache]);
    }

    /// <summary>
    /// One layer's steps through three caches on the CPU: the type under test, an fp32 reference fed the same rows, and an
    /// fp32 cache fed the typed cache's decoded rows. q and k are rotated in place by RopeAndCache, so each cache gets copies.
    /// </summary>
    private sealed class AttentionRun : IDisposable
    {
        private const int MaxSequence = 16;
        private readonly CpuBackend _backend = new();
        private readonly CpuKvCache _fp32, _decoded;
        private readonly CpuRopeTable _rope;
        private readonly Random _random;
        private readonly int _heads, _kvHeads, _headDim, _batch;

        public AttentionRun(KvCacheType type, int heads, int kvHeads, int headDim, int batch, int? window)
        {
            (_heads, _kvHeads, _headDim, _batch) = (heads, kvHeads, headDim, batch);
            _random = new Random(heads * 1000 + headDim * 10 + batch);
            var shape = new KvCacheShape(1, batch, MaxSequence, kvHeads, headDim, window);
            Typed = (CpuKvCache)_backend.AllocateKvCache(shape with { Type = type });
            _fp32 = (CpuKvCache)_backend.AllocateKvCache(shape);
            _decoded = (CpuKvCache)_backend.AllocateKvCache(shape);
            _rope = (CpuRopeTable)_backend.CreateRopeTable(Rope.Spec(headDim), MaxSequence);
        }

        public CpuKvCache Typed { get; }

        public void Dispose()
        {
            foreach (var cache in new[] { Typed, _fp32, _decoded }) cache.Dispose();
            _backend.Dispose();
        }

        public byte[] Encode(float[] row)
        {
            var bytes = new byte[Typed.RowBytes];
            if (Typed.Format != TensorFormat.F8_E4M3)
            {
                BlockCodec.Quantize(Typed.Format, row, bytes);
                return bytes;
            }
            // FP8: per head, the fp32 scale amax/448 (little-endian), then each value ÷ scale in E4M3.
            for (int h = 0; h < _kvHeads; h++)
            {
                var head = row.AsSpan(h * _headDim, _headDim);
                float scale = 0;
                foreach (float v in head) scale = MathF.Max(scale, MathF.Abs(v));
                scale /= 448f;
                int at = h * (4 + _headDim);
                BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), scale);
                for (int i = 0; i < _headDim; i++) bytes[at + 4 + i] = scale == 0 ? (byte)0 : Fp8E4M3.FromSingle(head[i] / scale);
            }
            return bytes;
        }

        /// <summary>A stored row decoded: the project's codecs for the block and float types; FP8 as Encode writes it (each head's scale × its E4M3 values).</summary>
        private void Decode(ReadOnlySpan<byte> bytes, float[] row)
        {
            if (Typed.Format != TensorFormat.F8_E4M3)
            {
                BlockCodec.Dequantize(Typed.Format, bytes, row);
                return;
            }
            for (int h = 0; h < _kvHeads; h++)
            {
                int at = h * (4 + _headDim);
                float scale = BitConverter.ToSingle(bytes.Slice(at, 4));
                for (int i = 0; i < _headDim; i++) row[h * _headDim + i] = scale * Fp8E4M3.ToSingle(bytes[at + 4 + i]);
            }
        }

        /// <summary>A prefill of 7 tokens, a chunk of 3 starting past 0, then three decode steps.</summary>
        public IEnumerable<Step> Steps()
        {
            int start = 0;
            foreach (int tokens in new[] { 7, 3, 1, 1, 1 })
            {
                yield return Run(start, tokens);
                start += tokens;
            }
        }

        private Step Run(int start, int tokens)
        {
            int rows = _batch * tokens, qDim = _heads * _headDim, kvDim = _kvHeads * _headDim;
            float[] q = Gaussian(rows * qDim), k = Gaussian(rows * kvDim), v = Gaussian(rows * kvDim);
            var positions = _backend.Allocate(DType.I32, rows, 1);
            _backend.Write(positions, Enumerable.Range(0, rows).Select(r => start + r % tokens).ToArray());
            var layout = new StepLayout(_batch, tokens, start, positions);

            var (typedOut, rotatedQ, rotatedK) = Attend(Typed, q, k, v, layout, rows);
            var (fp32Out, _, _) = Attend(_fp32, q, k, v, layout, rows);
            // The decoded cache: the typed cache's rows of this step, decoded, written as fp32 (K already rotated, so no RoPE).
            var key = new float[kvDim];
            var value = new float[kvDim];
            for (int row = 0; row < rows; row++)
            {
                int seq = row / tokens, pos = start + row % tokens;
                Decode(Typed.KeyBytes(0, seq, pos), key);
                Decode(Typed.ValueBytes(0, seq, pos), value);
                _decoded.Write(0, seq, pos, key, value);
            }
            var decodedOut = Output(_decoded, rotatedQ, layout, rows);
            positions.Dispose();
            return new Step(start, tokens, rows, kvDim, rotatedK, v, typedOut, fp32Out, decodedOut);
        }

        // RopeAndCache into `cache` on copies, then attention; returns the output and the rotated q and k.
        private (float[] Output, float[] RotatedQ, float[] RotatedK) Attend(CpuKvCache cache, float[] q, float[] k, float[] v, StepLayout layout, int rows)
        {
            using var qt = Tensor(q, rows);
            using var kt = Tensor(k, rows);
            using var vt = Tensor(v, rows);
            _backend.RopeAndCache(qt, kt, vt, _rope, layout, cache, 0);
            var (rotatedQ, rotatedK) = (new float[q.Length], new float[k.Length]);
            _backend.Read(qt, rotatedQ);
            _backend.Read(kt, rotatedK);
            return (Output(cache, rotatedQ, layout, rows), rotatedQ, rotatedK);
        }

        private float[] Output(CpuKvCache cache, float[] rotatedQ, StepLayout layout, int rows)
        {
            using var qt = Tensor(rotatedQ, rows);
            using var o = _backend.Allocate(DType.F32, rows, _heads * _headDim);
            _backend.Attention(qt, cache, 0, layout, o);
            var output = new float[rows * _heads * _headDim];
            _backend.Read(o, output);
            return output;
        }

        private DeviceTensor Tensor(float[] values, int rows)
        {
            var t = _backend.Allocate(DType.F32, rows, values.Length / rows);
            _backend.Write(t, values);
            return t;
        }

        // Standard normal by Box–Muller.
        private float[] Gaussian(int n)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++)
                x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));
            return x;
        }
    }

    /// <summary>One step: its rows' rotated K and V, and the attention output over each cache.</summary>
    private sealed record Step(int Start, int Tokens, int Rows, int KvDim, float[] RotatedKeys, float[] Values,
        float[] TypedOutput, float[] Fp32Output, float[] DecodedOutput)
    {
        public float[] RotatedK(int row) => RotatedKeys.AsSpan(row * KvDim, KvDim).ToArray();
        public float[] V(int row) => Values.AsSpan(row * KvDim, KvDim).ToArray();
    }
}
