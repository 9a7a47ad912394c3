using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Cli;

/// <summary><c>llmlab quantize</c> run as the real program on the embedded Brown model.</summary>
public sealed class QuantizeCommandTests
{
    [Fact]
    public void Quantize_writes_a_q4_k_m_gguf_whose_tensor_bytes_are_those_quant_loads_for_the_same_mix()
    {
        string dir = Fixtures.TempDir(), output = Path.Combine(dir, "brown-q4_k_m.gguf");
        try
        {
            var r = CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "Q4_K_M", "--out", output);

            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("[57/57] output.weight Q6_K", r.Stderr);
            Assert.Contains("fallback: 'model.layers.0.mlp.down_proj.weight'", r.Stderr); // rows of 688 do not divide into 256
            Assert.Matches(@"wrote .*: Q4_K_M, .* bits per weight, .* s", r.Stderr);
            using var written = GgufFile.Open(output);
            using var quant = ModelFiles.Open(Fixtures.BrownModel, QuantizationMix.Parse("Q4_K_M"));
            Assert.Equal(15u, written.Metadata["general.file_type"].Value); // LLAMA_FTYPE_MOSTLY_Q4_K_M
            var config = quant.Config;
            foreach (var t in TensorManifest.Expected(config, quant.Names))
            {
                var expected = quant.Checkpoint.Tensor(t.Name);
                var actual = written.Tensor(GgufExport.GgufName(t));
                Assert.Equal(expected.Format, actual.Format);
                Assert.Equal(expected.Shape, actual.Shape);
                byte[] bytes = expected.Bytes.ToArray();
                int? heads = t.Role == TensorRole.Query ? config.NumHeads : t.Role == TensorRole.Key ? config.NumKvHeads : null;
                if (heads is { } n)
                {
                    // llama q/k rows are permuted as convert does; the permutation moves whole encoded rows.
                    long rows = t.Shape[0], rowBytes = bytes.Length / rows;
                    var permuted = new byte[bytes.Length];
                    for (long row = 0; row < rows; row++)
                        Array.Copy(bytes, GgufExport.PermutedSourceRow(row, (int)(rows / n)) * rowBytes, permuted, row * rowBytes, rowBytes);
                    bytes = permuted;
                }
                Assert.True(bytes.AsSpan().SequenceEqual(actual.Bytes), $"{t.Name}: bytes differ");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Quantize_refuses_to_overwrite_an_existing_file_without_force_and_leaves_it_untouched()
    {
        string dir = Fixtures.TempDir(), output = Path.Combine(dir, "out.gguf");
        try
        {
            File.WriteAllText(output, "keep me");
            var r = CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "F16", "--out", output);

            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"llmlab quantize: {output} exists; pass --force to overwrite it", r.Stderr.Trim());
            Assert.Equal("keep me", File.ReadAllText(output));

            var forced = CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "F16", "--out", output, "--force");
            Assert.True(forced.ExitCode == 0, forced.Stderr);
            using var file = GgufFile.Open(output);
            Assert.Equal(TensorFormat.F16, file.Describe("blk.0.attn_q.weight").Format);
            Assert.Single(Directory.GetFiles(dir)); // no temporary file left beside it
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Quantize_refuses_to_requantize_a_quantized_gguf_unless_allowed()
    {
        string dir = Fixtures.TempDir(), q8 = Path.Combine(dir, "q8.gguf"), q4 = Path.Combine(dir, "q4.gguf");
        try
        {
            Assert.Equal(0, CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "Q8_0", "--out", q8).ExitCode);

            var refused = CliRunner.Run(null, "quantize", "--model", q8, "--type", "Q4_0", "--out", q4);
            Assert.Equal(1, refused.ExitCode);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.Contains("is already Q8_0", refused.Stderr);
            Assert.Contains("--allow-requantize", refused.Stderr);
            Assert.False(File.Exists(q4));

            var allowed = CliRunner.Run(null, "quantize", "--model", q8, "--type", "Q4_0", "--out", q4, "--allow-requantize");
            Assert.True(allowed.ExitCode == 0, allowed.Stderr);
            using var file = GgufFile.Open(q4);
            Assert.Equal((TensorFormat.Q4_0, 2u), (file.Describe("blk.0.attn_q.weight").Format, (uint)file.Metadata["general.file_type"].Value));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Quantize_with_an_unknown_type_lists_the_supported_ones()
    {
        var r = CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "Q9_K", "--out", Path.Combine(Path.GetTempPath(), "never.gguf"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'Q9_K'", r.Stderr);
        foreach (string type in new[] { "F32", "BF16", "Q8_0", "Q4_K_M", "IQ4_XS", "Q2_K" }) Assert.Contains(type, r.Stderr);
    }

    [Fact]
    public void Quantize_to_fp8_is_refused_in_one_line_pointing_to_quant_fp8_and_writes_nothing()
    {
        string output = Path.Combine(Fixtures.TempDir(), "fp8.gguf");
        var r = CliRunner.Run(null, "quantize", "--model", Fixtures.BrownModel, "--type", "FP8", "--out", output);

        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("--quant fp8", r.Stderr);
        Assert.False(File.Exists(output));
    }
}
