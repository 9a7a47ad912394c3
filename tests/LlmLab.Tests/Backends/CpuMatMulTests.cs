using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The CPU matmul on F32, BF16 and F16 weights against a double-precision product of the same weights (widened
/// exactly) and the activations the kernel documents: fp32 for F32 and BF16, fp16-rounded for F16 (llama.cpp's
/// vec_dot_type for F16). Every path: the BF16 and F16 decode kernels that read W as even/odd lanes against a reordered
/// x (whole 32-element chunks, then a tail of k mod 32 in order; BF16 with and without an odd chunk after its 64-element
/// steps), the streaming F32 path, and the tiled prefill path (4 × 4 blocks plus edges).
/// The bound is fp32 summation over k ≤ 2080 terms: NMSE ≤ 1e-12.
/// </summary>
public sealed unsafe class CpuMatMulTests
{
    private const double SummationNmse = 1e-12;

    [Theory]
    [InlineData(TensorFormat.BF16, 1, 2048)]
    [InlineData(TensorFormat.BF16, 1, 2080)]
    [InlineData(TensorFormat.BF16, 2, 96)]
    [InlineData(TensorFormat.BF16, 1, 40)]
    [InlineData(TensorFormat.BF16, 7, 2080)]
    [InlineData(TensorFormat.F32, 1, 520)]
    [InlineData(TensorFormat.F32, 9, 520)]
    [InlineData(TensorFormat.F16, 1, 520)]
    [InlineData(TensorFormat.F16, 1, 2048)]
    [InlineData(TensorFormat.F16, 2, 96)]
    [InlineData(TensorFormat.F16, 2, 688)]
    [InlineData(TensorFormat.BF16, 2, 688)]
    [InlineData(TensorFormat.F16, 6, 520)]
    [InlineData(TensorFormat.BF16, 1, 2080, 1003)]   // decode tasks of up to 128 rows: eight streams of 16 rows, then a partial task
    [InlineData(TensorFormat.F16, 2, 2048, 1003)]
    public void Product_matches_double_precision_math_on_the_same_weights(TensorFormat format, int rows, int k, int outputs = 53)
    {
        // 53 outputs: a 32-row task and a 21-row one (16 rows as eight streams of two, then five single rows); not a multiple of 4.
        var random = new Random(rows * 7919 + k);
        var values = new float[outputs * k];
        for (int i = 0; i < values.Length; i++) values[i] = Stored(format, (float)(random.NextDouble() * 2 - 1));
        var x = new float[rows * k];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);

        var bytes = Encode(format, values);
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            using var backend = new CpuBackend();
            var view = new TensorView("blk.0.ffn_up.weight", format, [outputs, k], (byte*)handle.AddrOfPinnedObject(), bytes.Length);
            using var w = backend.LoadWeight(view);
            using var input = backend.Allocate(DType.F32, rows, k);
            using var output = backend.Allocate(DType.F32, rows, outputs);
            x.CopyTo(((CpuTensor)input).FloatSpan);

            backend.MatMul(input, w, null, output);

            var y = ((CpuTensor)output).FloatSpan.ToArray();
            var activations = format == TensorFormat.F16 ? x.Select(v => (float)(Half)v).ToArray() : x;
            double error = 0, power = 0;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < outputs; j++)
                {
                    double s = 0;
                    for (int e = 0; e < k; e++) s += (double)values[j * k + e] * activations[i * k + e];
                    error += (y[i * outputs + j] - s) * (y[i * outputs + j] - s);
                    power += s * s;
                }
            Assert.True(error / power <= SummationNmse, $"{format} n={rows} k={k}: NMSE {error / power:E3} > {SummationNmse:E0}");
        }
        finally { handle.Free(); }
    }

    /// <summary>
    /// The F16 decode kernel widens fp16 in registers with its own bit arithmetic: with x = the unit vector e_j, y[r] must be
    /// exactly W[r, j] for every one of the 63,488 finite fp16 bit patterns (normal, subnormal, ±0), in even and odd lanes,
    /// and ±inf and NaN must stay so (through the general widening: a matrix holding them is not marked finite).
    /// </summary>
    [Theory]
    [InlineData(false)]   // every value finite: the load marks the matrix, and the shift-and-mask widening runs
    [InlineData(true)]    // five more rows, one ±inf or NaN each: the general widening runs, for every row
    public void F16_decode_widens_every_finite_half_exactly(bool withSpecials)
    {
        const int k = 32;
        var finite = Enumerable.Range(0, 1 << 16).Select(b => (ushort)b).Where(b => (b & 0x7C00) != 0x7C00);
        ushort[] specials = [0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7C01];
        // Special row t holds specials[t] in column t and zeros elsewhere (inf · 0 would make the other columns NaN).
        var specialRows = specials.SelectMany((h, t) => Enumerable.Range(0, k).Select(c => c == t ? h : (ushort)0));
        var patterns = (withSpecials ? finite.Concat(specialRows) : finite).ToArray();
        int rows = patterns.Length / k, finiteRows = 63_488 / k;   // 1984 rows of 32 (+ 5)
        var bytes = new byte[patterns.Length * 2];
        Buffer.BlockCopy(patterns, 0, bytes, 0, bytes.Length);
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            using var backend = new CpuBackend();
            using var w = backend.LoadWeight(new TensorView("output.weight", TensorFormat.F16, [rows, k], (byte*)handle.AddrOfPinnedObject(), bytes.Length));
            Assert.Equal(!withSpecials, ((CpuWeight)w).FiniteHalves);
            using var input = backend.Allocate(DType.F32, 1, k);
            using var output = backend.Allocate(DType.F32, 1, rows);
            for (int j = 0; j < k; j++)
            {
                var x = ((CpuTensor)input).FloatSpan;
                x.Clear();
                x[j] = 1;
                backend.MatMul(input, w, null, output);
                var y = ((CpuTensor)output).FloatSpan;
                for (int r = 0; r < rows; r++)
                {
                    if (r >= finiteRows && j != r - finiteRows) continue;
                    ushort h = patterns[r * k + j];
                    float expected = (float)BitConverter.UInt16BitsToHalf(h);
                    // A NaN weight times 1 plus the other lanes' zeros stays NaN (its payload is not compared).
                    bool same = float.IsNaN(expected) ? float.IsNaN(y[r]) : BitConverter.SingleToUInt32Bits(expected + 0f) == BitConverter.SingleToUInt32Bits(y[r] + 0f);
                    Assert.True(same, $"0x{h:X4}: {y[r]:R} != {expected:R}");
                }
            }
        }
        finally { handle.Free(); }
    }

    /// <summary><paramref name="v"/> as the format stores it, back in fp32 (exact: BF16 truncated to its top 16 bits, F16 rounded).</summary>
    private static float Stored(TensorFormat format, float v) => format switch
    {
        TensorFormat.BF16 => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u),
        TensorFormat.F16 => (float)(Half)v,
        _ => v,
    };

    private static byte[] Encode(TensorFormat format, float[] values)
    {
        var bytes = new byte[values.Length * (format == TensorFormat.F32 ? 4 : 2)];
        for (int i = 0; i < values.Length; i++)
        {
            if (format == TensorFormat.F32) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), values[i]);
            else if (format == TensorFormat.BF16) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            else BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)values[i]));
        }
        return bytes;
    }
}
