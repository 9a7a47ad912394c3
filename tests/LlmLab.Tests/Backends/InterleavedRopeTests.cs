using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Formats;
using LlmLab.Tests.Models;

namespace LlmLab.Tests.Backends;

/// <summary>
/// GGUF llama checkpoints hold q_proj/k_proj with rows permuted by convert_hf_to_gguf.py
/// (<c>w.reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2).reshape(rows, cols)</c>, k with n_kv_head) so that
/// ggml's interleaved rotation applies. The CPU forward with <see cref="RopeConfig.Interleaved"/> on permuted weights
/// must equal the rotate-half forward on the original ones (tests/fixtures/models/llama-tiny: 4 heads, 2 KV heads,
/// head_dim 16, llama3 RoPE scaling).
/// </summary>
public sealed class InterleavedRopeTests
{
    /// <summary>Both forwards do the same fp32 arithmetic on the same values, so only summation order could differ.</summary>
    private const double SameForwardNmse = 1e-12;

    /// <summary>Bound for frequencies computed as base / rope_freqs factor, which differ from HF's llama3 formula by an ulp.</summary>
    private const double GgufFrequencyNmse = 1e-10;

    private static readonly int[] Ids = [1, 17, 300, 42, 42, 7, 511, 0, 128, 256, 3, 99];

    [Fact]
    public void Interleaved_rope_on_convert_permuted_weights_equals_rotate_half_on_the_original()
    {
        string original = Fixtures.Model("llama-tiny");
        var config = ModelConfigReader.Read(original);
        string permuted = GgufConversion.WritePermutedCopy(original, config);
        try
        {
            var reference = Logits(original, config);
            var interleaved = Logits(permuted, config with { Rope = config.Rope with { Interleaved = true } });
            var cmp = LogitComparison.Compare(interleaved, reference, config.VocabSize);
            Assert.True(cmp.Nmse <= SameForwardNmse, $"NMSE {cmp.Nmse:E3} (max abs error {cmp.MaxAbsoluteError:E3})");
        }
        finally { Directory.Delete(permuted, recursive: true); }
    }

    [Fact]
    public void Gguf_config_with_rope_freqs_on_permuted_weights_reproduces_the_hugging_face_forward()
    {
        // The whole GGUF llama path on llama-tiny: config from convert-style metadata, llama3 scaling as the
        // rope_freqs tensor convert writes, interleaved rotation of convert-permuted q/k.
        string original = Fixtures.Model("llama-tiny");
        var hf = ModelConfigReader.Read(original);
        using var tensors = new MemoryCheckpoint("/models/llama-tiny.gguf")
            .Add("token_embd.weight", [512, 64]).Add("output.weight", [512, 64])
            .Add(LlmLab.Models.Architectures.GgufTensorNames.RopeFrequencies, [8], LlmLab.Formats.GgufExport.Llama3Factors(hf.Rope, hf.HeadDim));
        var gguf = GgufModelConfig.Read(GgufConversion.LlamaTinyMetadata(), tensors);
        string permuted = GgufConversion.WritePermutedCopy(original, hf);
        try
        {
            var cmp = LogitComparison.Compare(Logits(permuted, gguf), Logits(original, hf), hf.VocabSize);
            // Frequencies reach fp32 by another path (base / factor instead of transformers' formula): 1-ulp angle differences.
            Assert.True(cmp.Nmse <= GgufFrequencyNmse, $"NMSE {cmp.Nmse:E3} (max abs error {cmp.MaxAbsoluteError:E3})");
            Assert.Equal(1.0, cmp.Top1Agreement);
        }
        finally { Directory.Delete(permuted, recursive: true); }
    }

    [Fact]
    public void Rotate_half_on_permuted_weights_is_far_from_the_original_so_the_flag_matters()
    {
        string original = Fixtures.Model("llama-tiny");
        var config = ModelConfigReader.Read(original);
        string permuted = GgufConversion.WritePermutedCopy(original, config);
        try
        {
            var cmp = LogitComparison.Compare(Logits(permuted, config), Logits(original, config), config.VocabSize);
            Assert.True(cmp.Nmse > 1e-4, $"NMSE {cmp.Nmse:E3}: the permutation should change rotate-half results");
        }
        finally { Directory.Delete(permuted, recursive: true); }
    }

    [Fact]
    public void Permutation_moves_row_i_plus_half_next_to_row_i()
    {
        // One head of width 8, one column: rows 0..7 → 0,4,1,5,2,6,3,7 (pair (i, i+4) becomes (2i, 2i+1)).
        float[] rows = [0, 1, 2, 3, 4, 5, 6, 7];
        Assert.Equal([0f, 4, 1, 5, 2, 6, 3, 7], LlmLab.Formats.GgufExport.PermuteRows(rows, heads: 1, rows: 8, cols: 1));
    }

    private static float[] Logits(string directory, ModelConfig config)
    {
        using var transformer = Transformer.Load(directory, config, new CpuBackend());
        using var session = transformer.CreateSession(1, Ids.Length, Ids.Length);
        return session.StepToHost(Ids, LogitsFor.AllPositions);
    }
}
