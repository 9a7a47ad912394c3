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
/// tied head) over a fixed id sequence. Each case prints its NMSE and top-1 agreement.
/// </summary>
public sealed class QuantizedGgufLlamaCppTests(ITestOutputHelper output)
{
    /// <summary>A few hundred tokens: enough positions for a stable NMSE, short enough for 18 mixes in seconds.</summary>
    private const int BrownTokens = 256;

    private const double MinTop1 = 0.98;

    /// <summary>
    /// NMSE bounds, about 3× the value measured (2026-12, this llama.cpp build). F32: only summation order differs.
    /// F16/BF16: llama.cpp rounds activations to the weight type for its matrix products (ggml's vec_dot of F16/BF16
    /// converts the F32 row first); LlmLab keeps them F32. Block types: llama.cpp quantizes activations to Q8_0/Q8_K
    /// (vec_dot_type) for every product, LlmLab does not, so the error grows as the weights' own precision does.
    /// </summary>
    public static TheoryData<string, double> BrownMixes => new()
    {
        { "F32", 1e-10 }, { "F16", 1e-5 }, { "BF16", 3e-4 },
        { "Q8_0", 3e-4 }, { "Q6_K", 3e-4 }, { "Q5_K_M", 3e-4 }, { "Q5_K_S", 3e-4 }, { "Q4_K_M", 3e-4 }, { "Q4_K_S", 3e-4 },
        { "Q4_0", 3e-4 }, { "Q4_1", 3e-4 }, { "Q5_0", 3e-4 }, { "Q5_1", 3e-4 }, { "IQ4_NL", 3e-4 }, { "IQ4_XS", 3e-4 },
        { "Q3_K_M", 3e-4 }, { "Q3_K_L", 3e-4 }, { "Q2_K", 3e-4 },
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
            var cmp = LogitComparison.Compare(LlmLabLogits(path, ids), reference, vocab);
            output.WriteLine($"| brown-llama-7m | {mix,-6} | {ids.Length} tokens | NMSE {cmp.Nmse:E2} (bound {maxNmse:E0}) | top-1 {cmp.Top1Agreement:P1} | {new FileInfo(path).Length / 1024.0:F0} KiB | {clock.Elapsed.TotalSeconds:F1} s |");
            Assert.True(cmp.Nmse <= maxNmse, $"{mix}: NMSE {cmp.Nmse:E3} above {maxNmse:E0} (max abs error {cmp.MaxAbsoluteError:E3})");
            Assert.True(cmp.Top1Agreement >= MinTop1, $"{mix}: top-1 agreement {cmp.Top1Agreement:P2}");
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

    /// <summary>Both fixtures as F32 and Q8_0 (bounds as for Brown).</summary>
    [Theory]
    [InlineData("llama-tiny", "F32", 1e-10)]
    [InlineData("llama-tiny", "Q8_0", 3e-4)]
    [InlineData("qwen2-tiny", "F32", 1e-10)]
    [InlineData("qwen2-tiny", "Q8_0", 3e-4)]
    public void Llama_cpp_runs_the_exported_tiny_fixture_and_its_logits_match_llmlabs(string fixture, string mix, double maxNmse)
    {
        int[] ids = [1, 17, 300, 42, 42, 7, 511, 0, 128, 256, 3, 99, 5, 6, 400, 12];
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, $"{fixture}-{mix}.gguf");
        try
        {
            GgufConversion.WriteFixtureGguf(fixture, path, mix);
            var (reference, vocab) = LlamaCppLogits(path, ids);
            var cmp = LogitComparison.Compare(LlmLabLogits(path, ids), reference, vocab);
            output.WriteLine($"| {fixture} | {mix,-6} | {ids.Length} tokens | NMSE {cmp.Nmse:E2} (bound {maxNmse:E0}) | top-1 {cmp.Top1Agreement:P1} |");
            Assert.True(cmp.Nmse <= maxNmse, $"{fixture} {mix}: NMSE {cmp.Nmse:E3} above {maxNmse:E0}");
            Assert.True(cmp.Top1Agreement >= MinTop1, $"{fixture} {mix}: top-1 agreement {cmp.Top1Agreement:P2}");
        }
        finally { Directory.Delete(dir, recursive: true); }
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
