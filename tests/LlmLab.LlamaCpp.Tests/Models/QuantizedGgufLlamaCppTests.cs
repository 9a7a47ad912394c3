using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tests;
using LlmLab.Tests.Models;
using LlmLab.Tokenization;

namespace LlmLab.LlamaCpp.Tests.Models;

/// <summary>
/// GGUF files written by LlmLab's export (<see cref="GgufExport"/>, what <c>llmlab quantize</c> runs) in every mix,
/// loaded by llama.cpp (LLamaSharp.Backend.Cpu 0.30.0: llama_decode, F32 KV cache, flash attention off, 2 threads) and
/// by LlmLab's CPU backend, logits compared on the same file. The embedded Brown model runs over the first
/// <see cref="BrownTokens"/> tokens of data/text/brown-heldout.txt; llama-tiny (llama3 RoPE) and qwen2-tiny (biases,
/// tied head) over a fixed id sequence. Each case prints a table row: model | mix | tokens | NMSE | bound | top-1 |
/// RMS logit difference | widest disagreement margin (llama.cpp logits) | file size, seconds.
/// </summary>
public sealed class QuantizedGgufLlamaCppTests(ITestOutputHelper output)
{
    /// <summary>A few hundred tokens: enough positions for a stable NMSE, short enough for 18 mixes in seconds.</summary>
    private const int BrownTokens = 256;

    /// <summary>Top-1 agreement asked of every file (measured lowest: 98.4%, Brown Q3_K_M, Q4_K_S-like rows at 98.8%).</summary>
    private const double MinTop1 = 0.98;

    /// <summary>
    /// NMSE bounds, about 3–5× the value measured (2026-12-07, this llama.cpp build, AVX-512 machine; F32 1.5e-13,
    /// F16 1.6e-8, BF16 1.5e-6, the 32-element types 0.8–1.2e-5, the K-quants and IQ4_XS 1.1–1.6e-5; the tiny
    /// fixtures' Q8_0 and Q4_0 files 6e-15). LlmLab's products now equal llama.cpp's to float summation order for every
    /// block format and F16 (CpuMatMulGgmlTests: activations quantized to the same Q8_0 / Q8_1 / Q8_K blocks, rounded
    /// to fp16 for F16 weights), which the tiny fixtures show end to end. BF16: llama.cpp rounds activations to bf16,
    /// LlmLab keeps fp32. The Brown files' ~1e-5 is not yet explained: their F16 fallback tensors (the 688-wide MLP
    /// down projection) and the F16 model differ at 1.6e-8 although each F16 product is exact, and any such difference
    /// upstream of an activation quantizer flips roundings downstream.
    /// </summary>
    public static TheoryData<string, double> BrownMixes => new()
    {
        { "F32", 1e-12 }, { "F16", 5e-8 }, { "BF16", 5e-6 },
        // Activations as Q8_0 / Q8_1 (32-element blocks, f16 scale each).
        { "Q8_0", 5e-5 }, { "Q4_0", 5e-5 }, { "Q4_1", 5e-5 }, { "Q5_0", 5e-5 }, { "Q5_1", 5e-5 }, { "IQ4_NL", 5e-5 },
        // Activations as Q8_K (256-element blocks, one f32 scale).
        { "Q6_K", 5e-5 }, { "Q5_K_M", 5e-5 }, { "Q5_K_S", 5e-5 }, { "Q4_K_M", 5e-5 }, { "Q4_K_S", 5e-5 }, { "IQ4_XS", 5e-5 },
        { "Q3_K_M", 5e-5 }, { "Q3_K_L", 5e-5 }, { "Q2_K", 5e-5 },
    };

    [Theory]
    [MemberData(nameof(BrownMixes))]
    public void Llama_cpp_runs_the_exported_brown_gguf_and_its_logits_match_llmlabs_on_the_same_file(string mix, double maxNmse)
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, $"brown-{mix}.gguf");
        try
        {
            var clock = Stopwatch.StartNew();
            using (var files = ModelFiles.Open(Fixtures.BrownModel, QuantizationMix.Parse(mix))) GgufExport.Write(path, files);
            var tokenizer = ModelTokenizer.Load(path);
            int[] ids = tokenizer.Encode(HeldOutText())[..BrownTokens];
            var (reference, vocab) = LlamaCppLogits(path, ids);
            Check("brown-llama-7m", mix, ids.Length, LlmLabLogits(path, ids), reference, vocab, maxNmse,
                $" {new FileInfo(path).Length / 1024.0:F0} KiB, {clock.Elapsed.TotalSeconds:F1} s |");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Llama_cpp_tokenizes_the_held_out_text_and_the_golden_texts_as_llmlab_does_from_the_exported_gguf()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "brown-f16.gguf");
        try
        {
            using (var files = ModelFiles.Open(Fixtures.BrownModel, QuantizationMix.Parse("F16"))) GgufExport.Write(path, files);
            var ours = ModelTokenizer.Load(path);
            var huggingFace = Tokenizer.FromFile(Path.Combine(Fixtures.BrownModel, "tokenizer.json"));
            using var theirs = LLamaWeights.LoadFromFile(new ModelParams(path) { VocabOnly = true });
            var texts = new List<string> { HeldOutText() };
            foreach (string fixture in LlmLab.Tests.Tokenization.TokenizerFixtures.Names)
                texts.AddRange(LlmLab.Tests.Tokenization.TokenizerFixtures.Golden(fixture).Select(c => c.Text));
            var mismatches = new List<string>();
            foreach (string text in texts)
            {
                int[] expected = theirs.Tokenize(text, false, special: true, Encoding.UTF8).Select(t => (int)t).ToArray();
                int[] actual = ours.Encode(text);
                if (!expected.SequenceEqual(actual) || !huggingFace.Encode(text).SequenceEqual(actual))
                    mismatches.Add($"{System.Text.Json.JsonSerializer.Serialize(text.Length > 40 ? text[..40] : text)}: llama.cpp {expected.Length} ids, LlmLab {actual.Length}");
            }
            output.WriteLine($"tokenization: {texts.Count} texts (held-out file: {ours.Encode(texts[0]).Length} tokens), {mismatches.Count} mismatches");
            Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Both fixtures as F32 and Q8_0, llama-tiny also as Q4_0 and F16 (measured 1.0–1.1e-13, 6e-15, 6e-15, 1.2e-8).</summary>
    [Theory]
    [InlineData("llama-tiny", "F32", 1e-12)]
    [InlineData("llama-tiny", "Q8_0", 1e-12)]
    [InlineData("llama-tiny", "Q4_0", 1e-12)]
    [InlineData("llama-tiny", "F16", 5e-8)]
    [InlineData("qwen2-tiny", "F32", 1e-12)]
    [InlineData("qwen2-tiny", "Q8_0", 1e-12)]
    public void Llama_cpp_runs_the_exported_tiny_fixture_and_its_logits_match_llmlabs(string fixture, string mix, double maxNmse)
    {
        int[] ids = [1, 17, 300, 42, 42, 7, 511, 0, 128, 256, 3, 99, 5, 6, 400, 12];
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, $"{fixture}-{mix}.gguf");
        try
        {
            GgufConversion.WriteFixtureGguf(fixture, path, mix);
            var (reference, vocab) = LlamaCppLogits(path, ids);
            Check(fixture, mix, ids.Length, LlmLabLogits(path, ids), reference, vocab, maxNmse);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The positions where the two top-1 picks differ, each with llama.cpp's margin between its pick and LlmLab's
    /// (reference logits), and the root-mean-square logit difference over all positions.
    /// </summary>
    private static (List<double> Margins, double RmsDifference) Disagreements(float[] ours, float[] reference, int vocab)
    {
        var margins = new List<double>();
        double squared = 0;
        for (int p = 0; p < reference.Length / vocab; p++)
        {
            ReadOnlySpan<float> r = reference.AsSpan(p * vocab, vocab), o = ours.AsSpan(p * vocab, vocab);
            int ri = 0, oi = 0;
            for (int v = 0; v < vocab; v++)
            {
                if (r[v] > r[ri]) ri = v;
                if (o[v] > o[oi]) oi = v;
                squared += (double)(o[v] - r[v]) * (o[v] - r[v]);
            }
            if (ri != oi) margins.Add(r[ri] - r[oi]);
        }
        return (margins, Math.Sqrt(squared / reference.Length));
    }

    /// <summary>Asserts the NMSE bound and top-1 agreement, and prints the table row.</summary>
    private void Check(string model, string mix, int tokens, float[] ours, float[] reference, int vocab, double maxNmse, string extra = "")
    {
        var cmp = LogitComparison.Compare(ours, reference, vocab);
        var (margins, rms) = Disagreements(ours, reference, vocab);
        double widest = margins.Count == 0 ? 0 : margins.Max();
        output.WriteLine($"| {model} | {mix,-6} | {tokens} | {cmp.Nmse:E2} | {maxNmse:E0} | {cmp.Top1Agreement:P1} | {rms:F4} | {widest:F4} |{extra}");
        Assert.True(cmp.Nmse <= maxNmse, $"{model} {mix}: NMSE {cmp.Nmse:E3} above {maxNmse:E0} (max abs error {cmp.MaxAbsoluteError:E3})");
        Assert.True(cmp.Top1Agreement >= MinTop1,
            $"{model} {mix}: top-1 agreement {cmp.Top1Agreement:P2} below {MinTop1:P0} (widest disagreement: llama.cpp's two picks {widest:F4} logits apart)");
    }

    private static string HeldOutText() => File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt"));

    /// <summary>LlmLab's CPU logits for <paramref name="ids"/> as one sequence, every position, [tokens, vocab] row-major.</summary>
    private static float[] LlmLabLogits(string path, int[] ids)
    {
        using var transformer = Transformer.Load(path, new CpuBackend());
        using var session = transformer.CreateSession(1, ids.Length, ids.Length);
        return session.StepToHost(ids, LogitsFor.AllPositions);
    }

    /// <summary>llama.cpp's logits for <paramref name="ids"/> as one sequence (F32 KV cache, no flash attention, 2 threads).</summary>
    private static (float[] Logits, int Vocab) LlamaCppLogits(string path, int[] ids)
    {
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)ids.Length,
            BatchSize = (uint)ids.Length,
            UBatchSize = (uint)ids.Length,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
            GpuLayerCount = 0,
            Threads = 2,
            BatchThreads = 2,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var batch = new LLamaBatch();
        for (int i = 0; i < ids.Length; i++) batch.Add(ids[i], i, LLamaSeqId.Zero, logits: true);
        Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        int vocab = weights.Vocab.Count;
        var logits = new float[ids.Length * vocab];
        for (int i = 0; i < ids.Length; i++) context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan(i * vocab, vocab));
        return (logits, vocab);
    }
}
