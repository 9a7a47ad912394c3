using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// llama.cpp (LLamaSharp.Backend.Cpu 0.30.0, llama.cpp c0c7e147) with llama-bench's defaults: n_batch 2048, n_ubatch
/// 512, F16 K and V cache, flash attention off, every layer on the CPU, <c>n_threads</c> for both prefill and decode.
/// As in llama-bench's test_prompt/test_gen, only the last token of a batch asks for logits and each call is followed
/// by llama_synchronize before the clock is read.
/// </summary>
internal sealed class LlamaCppEngine : IEngineUnderTest
{
    /// <summary>llama-bench's default logical batch (-b).</summary>
    private const uint LlamaBenchBatch = 2048;

    /// <summary>llama-bench's default physical batch (-ub).</summary>
    private const uint LlamaBenchUBatch = 512;

    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    public LlamaCppEngine(string path, int threads, int contextTokens)
    {
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)contextTokens,
            BatchSize = LlamaBenchBatch,
            UBatchSize = LlamaBenchUBatch,
            Threads = threads,
            BatchThreads = threads,
            TypeK = GGMLType.GGML_TYPE_F16,
            TypeV = GGMLType.GGML_TYPE_F16,
            FlashAttention = false,
            GpuLayerCount = 0,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    public string Name => "llama.cpp";

    public RepetitionTiming Measure(int[] prompt, int[] decode)
    {
        _context.NativeHandle.MemoryClear(data: false);
        _batch.Clear();
        for (int i = 0; i < prompt.Length; i++) _batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
        var clock = Stopwatch.StartNew();
        Decode();
        double prefill = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = 0; i < decode.Length; i++)
        {
            _batch.Clear();
            _batch.Add(decode[i], prompt.Length + i, LLamaSeqId.Zero, logits: true);
            Decode();
        }
        return new RepetitionTiming(prefill, clock.Elapsed.TotalSeconds);
    }

    private void Decode()
    {
        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {result} for a batch of {_batch.TokenCount} tokens");
        _context.NativeHandle.Synchronize();
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
