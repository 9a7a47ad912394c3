using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Every kernel file compiles with NVRTC for Ampere and Hopper, in every compute type and several head widths.
/// NVRTC needs no GPU, so this runs wherever the library is found (skipped, with the reason, elsewhere).
/// </summary>
public sealed class KernelCompileTests
{
    public static TheoryData<string, string, int> Files
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (var file in new[] { "embedding.cu", "rmsnorm.cu", "rope.cu", "elementwise.cu", "gemv.cu", "argmax.cu", "attention_decode.cu", "attention_prefill.cu", "attention_flash.cu", "gemv_quant.cu" })
                foreach (var type in new[] { "bf16", "f16", "float" })
                    foreach (int arch in new[] { 80, 90 })
                        data.Add(file, type, arch);
            return data;
        }
    }

    [Theory, MemberData(nameof(Files))]
    public void Kernel_file_compiles(string file, string type, int arch)
    {
        if (!NativeLibraries.IsAvailable(NvidiaLibrary.Nvrtc)) Assert.Skip("NVRTC not found (it ships with the CUDA toolkit)");
        var headDims = file.StartsWith("attention", StringComparison.Ordinal) ? new[] { 16, 64, 96, 128, 256 } : [0];
        // gemv_quant.cu is compiled per block format (QFORMAT ids 1..13, the QF_* of the file; 14 is FP8 rows) and row split, and in
        // BF16/F16 also with 8-bit activations (QG_Q8X) for the formats that have them (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
        // Q4_K, Q5_K, Q6_K: ids 1–5, 8–10).
        var formats = file == "gemv_quant.cu" ? Enumerable.Range(1, 14).ToArray() : [0];
        int[] q8Formats = [1, 2, 3, 4, 5, 8, 9, 10];
        var variants = new List<List<string>>();
        foreach (int headDim in headDims)
            foreach (int format in formats)
                foreach (int split in format > 0 ? (type == "bf16" ? new[] { 1, 2 } : [1]) : [0])   // QG_SPLIT only sets a constant: one type checks 2
                    foreach (bool q8 in split == 1 && type != "float" && q8Formats.Contains(format) ? new[] { false, true } : [false])
                    {
                        var defines = new List<string> { $"ACT_TYPE={type}" };
                        if (headDim > 0) defines.Add($"HEAD_DIM={headDim}");
                        if (format > 0) defines.AddRange([$"QFORMAT={format}", "QG_WARPS=8", $"QG_SPLIT={split}"]);
                        if (q8) defines.Add("QG_Q8X");
                        variants.Add(defines);
                    }
        if (file == "gemv.cu") variants.Add([$"ACT_TYPE={type}", "GEMV_FP8"]);   // FP8 weight rows (CudaBackend.Fusion's FloatGemv)
        // NVRTC compiles independent programs in parallel (gemv_quant.cu has 13–34 variants per type and architecture).
        Parallel.ForEach(variants, defines => Assert.NotEmpty(KernelCompiler.Compile(file, arch / 10, arch % 10, defines)));
    }

    /// <summary>
    /// The KV-cache formats other than the compute type (KV_FORMAT 1 Q8_0, 2 Q4_0, 3 FP8, attention.cuh): the attention
    /// readers and rope.cu's writer, for head widths of whole 32-blocks (and FP8-only widths). The clustered decode variant
    /// (ATTN_CLUSTER) is left to the GPU runs: its barrier.cluster PTX needs a newer NVRTC than 11.8, in any KV format.
    /// </summary>
    public static TheoryData<string, string, int> KvFormatFiles
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (var file in new[] { "rope.cu", "attention_decode.cu", "attention_prefill.cu", "attention_flash.cu" })
                foreach (var type in new[] { "bf16", "f16", "float" })
                    foreach (int arch in new[] { 80, 90 })
                        data.Add(file, type, arch);
            return data;
        }
    }

    [Theory, MemberData(nameof(KvFormatFiles))]
    public void Kernel_file_compiles_for_each_quantized_kv_format(string file, string type, int arch)
    {
        if (!NativeLibraries.IsAvailable(NvidiaLibrary.Nvrtc)) Assert.Skip("NVRTC not found (it ships with the CUDA toolkit)");
        var variants = new List<string[]>();
        foreach (int format in new[] { 1, 2, 3 })
            // Head widths only set constants: the smallest and largest each format takes, and FP8's one not a power of two
            // (the main theory compiles the compute-type cache at 16, 64, 96, 128 and 256; CI compiles these cold in minutes).
            foreach (int headDim in format == 3 ? new[] { 16, 96, 256 } : [64, 256])
            {
                variants.Add([$"ACT_TYPE={type}", $"HEAD_DIM={headDim}", $"KV_FORMAT={format}"]);
            }
        Parallel.ForEach(variants, defines => Assert.NotEmpty(KernelCompiler.Compile(file, arch / 10, arch % 10, defines)));
    }
}
