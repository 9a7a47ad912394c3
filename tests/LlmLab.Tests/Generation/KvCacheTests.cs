using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;

namespace LlmLab.Tests.Generation;

public sealed class KvCacheTests
{
    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny-bf16")]
    public void Decoding_token_by_token_with_the_cache_gives_the_full_forward_logits(string model)
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(model.Replace("-bf16", "")), "expected.safetensors"));
        var ids = expected.Tensor("input_ids").ToInt64Array().Select(v => (int)v).ToArray();
        int batch = 2, length = ids.Length / batch;
        using var transformer = Transformer.Load(Fixtures.Model(model), new CpuBackend());
        int vocab = transformer.Config.VocabSize;

        using var full = transformer.CreateSession(batch, length, length);
        var reference = full.StepToHost(ids, LogitsFor.AllPositions);

        // Prefill 5 tokens, then one token per step for both sequences.
        using var incremental = transformer.CreateSession(batch, length, length);
        const int prefill = 5;
        var prefillIds = new int[batch * prefill];
        for (int b = 0; b < batch; b++) Array.Copy(ids, b * length, prefillIds, b * prefill, prefill);
        incremental.Step(prefillIds);
        for (int t = prefill; t < length; t++)
        {
            var stepIds = new[] { ids[t], ids[length + t] };
            var logits = incremental.StepToHost(stepIds, LogitsFor.LastPosition);
            for (int b = 0; b < batch; b++)
            {
                var cmp = LogitComparison.Compare(logits.AsSpan(b * vocab, vocab), reference.AsSpan((b * length + t) * vocab, vocab), vocab);
                Assert.True(cmp.Nmse <= 1e-12, $"position {t} sequence {b}: NMSE {cmp.Nmse:E3}");
            }
        }
    }

    [Fact]
    public void Chunked_prefill_gives_the_same_last_logits_as_one_step()
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model("llama-tiny"), "expected.safetensors"));
        var ids = expected.Tensor("input_ids").ToInt64Array().Take(24).Select(v => (int)v).ToArray();
        using var transformer = Transformer.Load(Fixtures.Model("llama-tiny"), new CpuBackend());
        using var whole = transformer.CreateSession(1, 24, 24);
        using var chunked = transformer.CreateSession(1, 24, maxTokensPerStep: 7);

        var a = whole.StepToHost(ids);
        var b = chunked.StepToHost(ids);

        Assert.True(LogitComparison.Compare(b, a, transformer.Config.VocabSize).Nmse <= 1e-12);
    }
}
