using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// The CPU KV cache of each quantized and half type stores exactly what llama.cpp stores for <c>--cache-type-k/-v</c> of
/// that type: each cached row (kvHeads × headDim values) byte-equal to <c>ggml_quantize_chunk</c> of the row
/// (<c>quantize_row_q8_0_ref</c>, <c>quantize_row_q4_0_ref</c>, ggml's fp32 → fp16/bf16 rows), called in LLamaSharp's
/// libggml-base.so (<see cref="GgmlReference"/>). Rows: <see cref="QuantizationInputs"/>, 32 rows of 2 heads × 128.
/// </summary>
public sealed class KvCacheGgmlTests
{
    private const int KvHeads = 2, HeadDim = 128, Batch = 2, MaxSequence = 16;
    private const int Row = KvHeads * HeadDim;

    public static TheoryData<KvCacheType, string> TypesAndInputs()
    {
        var data = new TheoryData<KvCacheType, string>();
        foreach (var type in new[] { KvCacheType.Q8_0, KvCacheType.Q4_0, KvCacheType.F16, KvCacheType.BF16 })
            foreach (var kind in new[] { "gaussian", "uniform", "outliers", "zero-blocks", "ties", "mixed-scales" })
                data.Add(type, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndInputs))]
    public void Cached_k_and_v_rows_are_the_bytes_ggml_quantize_chunk_writes(KvCacheType type, string kind)
    {
        var x = QuantizationInputs.Make(kind);               // 8192 values = 32 rows of 256 = Batch × MaxSequence rows
        int rows = x.Length / Row;
        var reversed = x.Reverse().ToArray();                 // V gets other rows than K
        var format = type.Format(TensorFormat.F32);
        var expectedK = GgmlReference.Quantize(format, x, rows, Row);
        var expectedV = GgmlReference.Quantize(format, reversed, rows, Row);

        using var backend = new CpuBackend();
        using var cache = (CpuKvCache)backend.AllocateKvCache(new KvCacheShape(1, Batch, MaxSequence, KvHeads, HeadDim, null, type));
        for (int r = 0; r < rows; r++)
            cache.Write(0, r / MaxSequence, r % MaxSequence, x.AsSpan(r * Row, Row), reversed.AsSpan(r * Row, Row));

        var actualK = new List<byte>();
        var actualV = new List<byte>();
        for (int r = 0; r < rows; r++)
        {
            actualK.AddRange(cache.KeyBytes(0, r / MaxSequence, r % MaxSequence).ToArray());
            actualV.AddRange(cache.ValueBytes(0, r / MaxSequence, r % MaxSequence).ToArray());
        }
        BlockComparison.SameBytes(format, x, expectedK, actualK.ToArray());
        BlockComparison.SameBytes(format, reversed, expectedV, actualV.ToArray());
    }
}
