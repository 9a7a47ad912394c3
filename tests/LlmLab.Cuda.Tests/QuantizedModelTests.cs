using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// The embedded Brown model (data/models/brown-llama-7m) quantized at load time (<c>--quant</c>: the same blocks on both
/// backends, LlmLab's ggml-exact quantizer) to Q8_0, Q4_0 and Q4_K_M, and to FP8 (E4M3 rows with their scale: the CPU
/// and the GPU multiply the same dequantized weights with x as it is), on the GPU against the CPU. The two differ by more
/// than summation order: the CPU quantizes each product's activations to Q8 blocks as llama.cpp does (Q8_0 blocks of 32,
/// Q8_K of 256 for the K-quants); the GPU in F32 compute, and its prefill products, multiply the dequantized weights with
/// the activations as they are, its BF16 decode products round them to Q8_0 blocks of 32 (per product such a rounding is
/// an NMSE of ~1e-5–1e-4).
/// Bounds, from the first GPU run (H100, 2026-12-07: NMSE 1.22e-5 … 3.09e-5, top-1 98.6 … 99.4 % over Q8_0/Q4_0/Q4_K_M in
/// F32 and BF16 compute): logits NMSE ≤ 1e-4 with ≥ 97% top-1 agreement over all positions; greedy ids equal the CPU's for Q8_0 over 16 tokens (F32 compute). Decode through the
/// block GEMV against the prefill path (dequantized workspace and cuBLASLt) on the same GPU: in F32 no activation rounding
/// lies between them, in BF16 the decode products' Q8_0 rounding of x does; the bounds of <see cref="ModelTests"/>
/// (F32 NMSE ≤ 1e-8; BF16 ≤ 1e-3 with ≥ 95% top-1).
/// (The Brown model's down projections have rows of 688, not whole 32-element blocks: the mixes keep them in F16, so
/// these models also mix float and block weights, as llama.cpp's fallback does.)
/// </summary>
public sealed class QuantizedModelTests
{
    private const double CpuNmseBound = 1e-4;
    private const double CpuTop1Bound = 0.97;
    private const double F32Bound = 1e-8;
    private const double HalfBound = 1e-3;
    private const double HalfTop1Bound = 0.95;

    private static readonly string[] Mixes = ["Q8_0", "Q4_0", "Q4_K_M", "FP8"];

    public static TheoryData<int, DType, string> Cases => Gpu.DevicesTypesAnd(Mixes);

    /// <summary>The Brown fixture's input ids (sequence-major) and their shape.</summary>
    private static (int[] Ids, int Batch, int Tokens) Inputs() => Fixtures.InputIds(Fixtures.BrownExpected);

    private static Transformer Load(IBackend backend, string mix) => Transformer.Load(Fixtures.BrownModel, backend, QuantizationMix.Parse(mix));

    private static float[] AllLogits(IBackend backend, string mix, int[] ids, int batch, int tokens)
    {
        using var transformer = Load(backend, mix);
        using var session = transformer.CreateSession(batch, tokens, tokens);
        return session.StepToHost(ids, LogitsFor.AllPositions);
    }

    private static void Line(string what, LogitComparison cmp) =>
        Report.Line($"model {what,-58} NMSE {cmp.Nmse:E2} top-1 {cmp.Top1Agreement:P1} KL {cmp.MeanKlDivergence:E2} max|Δ| {cmp.MaxAbsoluteError:E2}");

    /// <summary>
    /// The GPU for a mix: FP8 with <see cref="CudaTuning.Fp8TensorCorePrefill"/> off, so its prefill is W8A16 as its decode and
    /// the CPU are (the tensor-core path rounds x to E4M3: its own test below, and QuantizedOpTests).
    /// </summary>
    private static CudaBackend OpenFor(int device, DType type, string mix)
    {
        var gpu = Gpu.Open(device, type);
        if (mix == "FP8") gpu.Tuning = gpu.Tuning with { Fp8TensorCorePrefill = false };
        return gpu;
    }

    /// <summary>
    /// FP8 weights with prefill on the FP8 tensor cores (x rounded per token to E4M3, W8A8) against the CPU's W8A16 in
    /// BF16 compute. Measured on an H100 (2026-12-07, notes/cuda-quant/run11: 36 products on the tensor cores, scaled by
    /// fp8_rescale): NMSE 1.96e-4, top-1 97.1 %, KL 1.2e-3. Bounds: 3× the NMSE and a few points under the top-1
    /// (E4M3 keeps 3 mantissa bits: x's rounding alone is a relative variance of about 6.5e-4 per element).
    /// </summary>
    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Fp8_prefill_on_tensor_cores_stays_near_the_cpu_logits(int device)
    {
        using var gpu = Gpu.Open(device, DType.BF16);
        if (gpu.Info.ComputeMajor * 10 + gpu.Info.ComputeMinor < 89) Assert.Skip($"{gpu.Info.Name} (sm_{gpu.Info.ComputeMajor}{gpu.Info.ComputeMinor}) has no FP8 tensor cores");
        var (ids, batch, tokens) = Inputs();
        using var cpu = new CpuBackend();
        var reference = AllLogits(cpu, "FP8", ids, batch, tokens);
        int before = gpu.Fp8TensorCoreProducts;
        var logits = AllLogits(gpu, "FP8", ids, batch, tokens);
        var cmp = LogitComparison.Compare(logits, reference, reference.Length / (batch * tokens));
        Line($"brown FP8 cuda:{device} BF16 fp8 tensor cores ({gpu.Fp8TensorCoreProducts - before} products{(gpu.Fp8ScalesInProduct ? ", scaled in cuBLASLt" : "")}) vs CPU", cmp);
        if (gpu.GemmRefusal is { } why) Report.Line($"  cuBLASLt refused: {why}");
        Assert.True(gpu.Fp8TensorCoreProducts > before, "no product ran on the FP8 tensor cores");
        Assert.True(cmp.Nmse <= 6e-4, $"NMSE {cmp.Nmse:E3} above 6e-4");
        Assert.True(cmp.Top1Agreement >= 0.94, $"top-1 agreement {cmp.Top1Agreement:P1} below 94 %");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Quantized_brown_logits_match_the_cpu_on_the_same_blocks(int device, DType type, string mix)
    {
        using var gpu = OpenFor(device, type, mix);
        var (ids, batch, tokens) = Inputs();
        using var cpu = new CpuBackend();
        var reference = AllLogits(cpu, mix, ids, batch, tokens);
        var logits = AllLogits(gpu, mix, ids, batch, tokens);
        var cmp = LogitComparison.Compare(logits, reference, reference.Length / (batch * tokens));
        Line($"brown {mix} cuda:{device} {type} vs CPU (Q8 activations)", cmp);
        Assert.True(cmp.Nmse <= CpuNmseBound, $"{mix}: NMSE {cmp.Nmse:E3} above {CpuNmseBound:E0}");
        Assert.True(cmp.Top1Agreement >= CpuTop1Bound, $"{mix}: top-1 agreement {cmp.Top1Agreement:P1} below {CpuTop1Bound:P0}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Quantized_decode_through_the_block_gemv_reproduces_the_prefill_product(int device, DType type, string mix)
    {
        using var gpu = OpenFor(device, type, mix);
        var (all, batch, fixtureTokens) = Inputs();
        int tokens = Math.Min(fixtureTokens, 48), prefill = tokens / 2;
        var prompt = Decoding.Slice(all, batch, fixtureTokens, 0, tokens);
        var full = AllLogits(gpu, mix, prompt, batch, tokens);
        int vocab = full.Length / (batch * tokens);
        using var transformer = Load(gpu, mix);
        using var session = transformer.CreateSession(batch, tokens, tokens);
        var got = new List<float>();
        var want = new List<float>();
        void Take(float[] logits, int position)
        {
            got.AddRange(logits);
            for (int b = 0; b < batch; b++) want.AddRange(full.AsSpan((b * tokens + position) * vocab, vocab).ToArray());
        }
        Take(session.StepToHost(Decoding.Slice(prompt, batch, tokens, 0, prefill)), prefill - 1);
        for (int t = prefill; t < tokens; t++) Take(session.StepToHost(Decoding.Slice(prompt, batch, tokens, t, t + 1)), t);
        var cmp = LogitComparison.Compare(got.ToArray(), want.ToArray(), vocab);
        Line($"brown {mix} cuda:{device} {type} decode vs prefill", cmp);
        if (type == DType.F32) Assert.True(cmp.Nmse <= F32Bound, $"{mix}: NMSE {cmp.Nmse:E3} above {F32Bound:E0}");
        else
        {
            Assert.True(cmp.Nmse <= HalfBound, $"{mix}: NMSE {cmp.Nmse:E3} above {HalfBound:E0}");
            Assert.True(cmp.Top1Agreement >= HalfTop1Bound, $"{mix}: top-1 agreement {cmp.Top1Agreement:P1} below {HalfTop1Bound:P0}");
        }
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Greedy_ids_of_the_Q8_0_brown_model_match_the_cpu(int device)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        var (ids, _, tokens) = Inputs();
        var prompt = ids[..Math.Min(tokens, 16)];
        const int newTokens = 16;
        var onGpu = Greedy(gpu, prompt, newTokens);
        using var cpu = new CpuBackend();
        var onCpu = Greedy(cpu, prompt, newTokens);
        Report.Line($"greedy brown Q8_0 cuda:{device} F32: {string.Join(' ', onGpu)} (CPU agrees on {onGpu.Zip(onCpu).Count(p => p.First == p.Second)}/{newTokens})");
        Assert.Equal(onCpu, onGpu);
    }

    private static int[] Greedy(IBackend backend, int[] prompt, int count)
    {
        using var transformer = Load(backend, "Q8_0");
        return Decoding.Greedy(transformer, backend, prompt, count);
    }
}
