using LlmLab.Backends;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmLab.Measurement;

/// <summary>What a benchmark run measures.</summary>
/// <param name="PromptTokens">Prompt length (prefill) per sequence.</param>
/// <param name="NewTokens">Tokens decoded per sequence (the first comes from prefill).</param>
/// <param name="Repetitions">Timed repetitions after the warm-up.</param>
/// <param name="Warmup">Untimed repetitions first (JIT, caches, clocks, graph capture).</param>
/// <param name="BatchSizes">Batch sizes to sweep; the headline figures use the first.</param>
/// <param name="Seed">Seed of the random prompt tokens.</param>
public sealed record BenchOptions(int PromptTokens = 128, int NewTokens = 64, int Repetitions = 3, int Warmup = 1, IReadOnlyList<int>? BatchSizes = null, int Seed = 1)
{
    /// <summary>Batch sizes, defaulting to [1].</summary>
    public IReadOnlyList<int> Batches => BatchSizes is { Count: > 0 } ? BatchSizes : [1];

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first bad option.</summary>
    public void Validate(int maxContext)
    {
        if (PromptTokens < 1) throw new InvalidOptionException($"--prompt-tokens {PromptTokens} must be at least 1");
        if (NewTokens < 2) throw new InvalidOptionException($"--new-tokens {NewTokens} must be at least 2 (one from prefill, one decoded)");
        if (Repetitions < 1 || Repetitions > 1000) throw new InvalidOptionException($"--repetitions {Repetitions} must be between 1 and 1000");
        if (PromptTokens + NewTokens > maxContext)
            throw new InvalidOptionException($"--prompt-tokens {PromptTokens} + --new-tokens {NewTokens} exceed the model's context of {maxContext}");
        foreach (int b in Batches)
            if (b < 1 || b > 1024) throw new InvalidOptionException($"--batch {b} must be between 1 and 1024");
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencyPercentiles(double P50, double P90, double P99)
{
    /// <summary>Nearest-rank percentiles of <paramref name="samples"/>.</summary>
    public static LatencyPercentiles Of(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0) return new(0, 0, 0);
        var sorted = samples.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new(At(0.50), At(0.90), At(0.99));
    }
}

/// <summary>One point of a batch sweep.</summary>
/// <param name="Batch">Sequences decoded together.</param>
/// <param name="AggregateTokensPerSecond">Tokens/s summed over the batch.</param>
/// <param name="InterTokenMs">Per-sequence inter-token latency.</param>
/// <param name="TtftMs">Time to first token for the whole batch's prefill.</param>
public sealed record BatchPoint(int Batch, double AggregateTokensPerSecond, LatencyPercentiles InterTokenMs, double TtftMs);

/// <summary>
/// Result of <see cref="Benchmark.Run"/>. Decode at batch 1 reads every weight once per token, so
/// tokens/s ≤ bandwidth ÷ bytes read per token; <see cref="RooflineFraction"/> is how close the run came.
/// </summary>
public sealed record BenchResult
{
    /// <summary>Device, e.g. "cpu", "cuda:0".</summary>
    public required string Device { get; init; }
    /// <summary>Device model name (GPU name or CPU description).</summary>
    public string? DeviceName { get; init; }
    /// <summary>Model folder name.</summary>
    public required string Model { get; init; }
    /// <summary>Prompt tokens per sequence.</summary>
    public required int PromptTokens { get; init; }
    /// <summary>New tokens per sequence.</summary>
    public required int NewTokens { get; init; }
    /// <summary>Batch of the headline figures.</summary>
    public required int Batch { get; init; }
    /// <summary>Timed repetitions.</summary>
    public required int Repetitions { get; init; }
    /// <summary>Time to first token (prefill + first token), median over repetitions.</summary>
    public required double TtftMs { get; init; }
    /// <summary>Prompt tokens processed per second in prefill.</summary>
    public required double PrefillTokensPerSecond { get; init; }
    /// <summary>Decoded tokens per second (per sequence at the headline batch).</summary>
    public required double DecodeTokensPerSecond { get; init; }
    /// <summary>Inter-token latency percentiles over all decode steps.</summary>
    public required LatencyPercentiles InterTokenMs { get; init; }
    /// <summary>
    /// Every inter-token latency the percentiles come from, in ms, in the order measured (repetition by repetition,
    /// <see cref="NewTokens"/> − 1 per repetition), for a histogram of the distribution.
    /// </summary>
    public IReadOnlyList<double>? InterTokenSamplesMs { get; init; }
    /// <summary>Bytes of weights as the backend holds them.</summary>
    public required long WeightBytes { get; init; }
    /// <summary>Bytes read per decode step at batch 1: weights used (embedding row aside) + mean KV cache.</summary>
    public required long BytesPerToken { get; init; }
    /// <summary>Copy bandwidth measured in the same run, GB/s (10⁹ bytes).</summary>
    public required double BandwidthGBps { get; init; }
    /// <summary>bandwidth ÷ bytes per token.</summary>
    public required double RooflineTokensPerSecond { get; init; }
    /// <summary>Decode tok/s ÷ roofline tok/s.</summary>
    public required double RooflineFraction { get; init; }
    /// <summary>
    /// Peak bytes LlmLab held on the device (its memory ledger: weights, KV cache, activations, tables), measured the same
    /// way on every device; <see cref="Memory"/> splits what is held by category.
    /// </summary>
    public required long PeakMemoryBytes { get; init; }
    /// <summary>Device memory at the end of the headline batch's decode (session still allocated): held by category, peak, and the driver's free/total.</summary>
    public MemoryReport? Memory { get; init; }
    /// <summary>
    /// The planner's bytes for this run (model, device, batch, prompt + new tokens), computed from the manifest without
    /// loading: weights, KV cache and workspace to set beside <see cref="Memory"/>'s measured ledger.
    /// </summary>
    public Planning.DevicePlan? Planned { get; init; }
    /// <summary>The planner's decode prediction for this run: the roofline × <see cref="PredictedDecodeFraction"/>.</summary>
    public double? PredictedDecodeTokensPerSecond { get; init; }
    /// <summary>The decode efficiency the planner states for this kind of device (CPU: 100 %; a catalog GPU: LlmLab's measured fraction).</summary>
    public double? PredictedDecodeFraction { get; init; }
    /// <summary>
    /// The planner's time to first token for this run (one device): batch × prompt tokens × FLOPs per token at the device's
    /// prefill rate (CPU: its matmul probe × <see cref="Planning.PlanDevice.CpuPrefillFractionOfProbe"/>; a catalog GPU: dense
    /// BF16 × <see cref="Planning.MemoryPlanner.PrefillFractionOfPeak"/>) + the output head read once at decode bandwidth, ms.
    /// </summary>
    public double? PredictedTtftMs { get; init; }
    /// <summary>Batch × prompt tokens ÷ <see cref="PredictedTtftMs"/>: the prefill rate predicted the way <see cref="PrefillTokensPerSecond"/> is measured.</summary>
    public double? PredictedPrefillTokensPerSecond { get; init; }
    /// <summary>The arithmetic of <see cref="PredictedTtftMs"/> and where its rate comes from.</summary>
    public string? PredictedPrefillBasis { get; init; }
    /// <summary>Mean board power during decode (GPU telemetry), if available.</summary>
    public double? AverageWatts { get; init; }
    /// <summary>Decoded tokens per joule, if power was measured.</summary>
    public double? TokensPerJoule { get; init; }
    /// <summary>The device map the model ran over ("embedding on cpu, layers 0-7 on cpu, 8-15 on cuda:0, output on cuda:0"); null on one device.</summary>
    public string? DeviceMap { get; init; }
    /// <summary>
    /// For a model spread over several devices: each device's share — bytes it reads per decode step, its copy bandwidth in
    /// this run, the time those bytes take at it, its ledger and the planner's bytes. <see cref="RooflineTokensPerSecond"/> is
    /// then the bound 1 / (Σ device times + crossings), and <see cref="BandwidthGBps"/> the bytes per token over that time.
    /// </summary>
    public IReadOnlyList<BenchDevice>? Devices { get; init; }
    /// <summary>
    /// Moves of activations between devices per decode step: the residual stream (stages − 1), and with
    /// <c>--kv-offload none</c> four per layer off the CPU (q, k, v out, the attention output back); null on one device.
    /// </summary>
    public int? CrossingsPerToken { get; init; }
    /// <summary>Mean time of one move during decode, ms (measured: the sending device finished, then the copy); null on one device.</summary>
    public double? CrossingMs { get; init; }
    /// <summary>Mean bytes one move carried at the headline batch (measured; [batch, hidden] in the activation type for the residual stream alone).</summary>
    public long? CrossingBytes { get; init; }
    /// <summary>All sweep points when several batch sizes were asked for.</summary>
    public IReadOnlyList<BatchPoint>? BatchSweep { get; init; }

    /// <summary>JSON options used by the CLI (camelCase, indented).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The result as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The figures and their arithmetic as text.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"model {Model} on {Device}{(DeviceName is null ? "" : $" ({DeviceName})")}, batch {Batch}, prompt {PromptTokens} + {NewTokens} new tokens, {Repetitions} repetitions",
            $"TTFT {TtftMs:F2} ms   prefill {PrefillTokensPerSecond:F1} tok/s   decode {DecodeTokensPerSecond:F2} tok/s",
            $"inter-token latency p50 {InterTokenMs.P50:F3} ms  p90 {InterTokenMs.P90:F3} ms  p99 {InterTokenMs.P99:F3} ms",
            $"bytes per token {BytesPerToken / 1e6:F2} MB (weights {WeightBytes / 1e6:F2} MB held); copy bandwidth {BandwidthGBps:F1} GB/s",
            $"roofline = {BandwidthGBps:F1} GB/s ÷ {BytesPerToken / 1e6:F2} MB = {RooflineTokensPerSecond:F1} tok/s; achieved {DecodeTokensPerSecond:F2} tok/s = {RooflineFraction:P1} of roofline",
        };
        if (Devices is { } devices)
        {
            lines.Add($"device map: {DeviceMap}");
            foreach (var d in devices)
                lines.Add($"  {d.Device}{(d.DeviceName is null ? "" : $" ({d.DeviceName})")}: {d.Planned.Layers} layers, reads {d.BytesPerToken / 1e6:F2} MB per token at {d.BandwidthGBps:F1} GB/s = {d.BoundMsPerToken:F3} ms; " +
                    (d.Memory is not null ? d.Memory.Describe() : $"peak {ByteCount.Format(d.PeakMemoryBytes)} held"));
            if (CrossingMs is { } crossing)
                lines.Add($"{(DeviceMap?.EndsWith(Planning.DeviceMap.KvCacheOnCpuSuffix, StringComparison.Ordinal) == true ? "crossings (residual stream; q, k, v and attention output)" : "residual stream crossings")}: {CrossingsPerToken} per token × {crossing * 1e3:F1} µs ({ByteCount.Format(CrossingBytes ?? 0)} each) = {CrossingsPerToken * crossing:F3} ms per token");
            lines.Add($"bound = 1 / ({string.Join(" + ", devices.Select(d => $"{d.BoundMsPerToken:F3}"))}{(CrossingMs is { } c ? $" + {CrossingsPerToken * c:F3}" : "")} ms) = {RooflineTokensPerSecond:F2} tok/s; achieved {RooflineFraction:P1} of it");
        }
        // One peak: the memory line carries it; without one, the ledger's peak on its own.
        else lines.Add(Memory is not null ? Memory.Describe() : $"memory on {Device}: peak {ByteCount.Format(PeakMemoryBytes)} held");
        if (Planned is { } plan)
        {
            string Beside(long planned, long? measured) => measured is { } m ? $"{ByteCount.Format(planned)} (measured {ByteCount.Format(m)})" : ByteCount.Format(planned);
            lines.Add($"planned before loading: weights {Beside(plan.WeightsBytes, Memory?.WeightBytes)}, KV cache {Beside(plan.KvCacheBytes, Memory?.KvCacheBytes)}, " +
                $"workspace {Beside(plan.WorkspaceBytes, Memory is null ? null : Memory.ActivationBytes + Memory.OtherBytes)}" +
                (plan.OverheadBytes > 0 ? $", runtime overhead {ByteCount.Format(plan.OverheadBytes)} (outside the ledger)" : ""));
        }
        if (PredictedDecodeTokensPerSecond is { } predicted)
            lines.Add($"predicted decode {predicted:F2} tok/s (roofline × {PredictedDecodeFraction:P1}); measured {DecodeTokensPerSecond:F2} tok/s = {DecodeTokensPerSecond / predicted:P0} of the prediction");
        if (PredictedTtftMs is { } predictedTtft)
            lines.Add($"predicted TTFT {predictedTtft:F1} ms ({PredictedPrefillBasis}); measured {TtftMs:F1} ms = {TtftMs / predictedTtft:P0} of the prediction");
        if (AverageWatts is { } w) lines.Add($"power {w:F1} W average during decode; {TokensPerJoule:F2} tokens/J");
        if (BatchSweep is { Count: > 1 })
            foreach (var p in BatchSweep)
                lines.Add($"batch {p.Batch,4}: {p.AggregateTokensPerSecond,10:F1} tok/s aggregate, ITL p50 {p.InterTokenMs.P50:F3} ms p99 {p.InterTokenMs.P99:F3} ms, TTFT {p.TtftMs:F2} ms");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Progress of a running benchmark, for a display.</summary>
/// <param name="Phase">"bandwidth", "matmul probe" (the CPU prefill prediction), "warm-up", "prefill", "decode".</param>
/// <param name="Batch">Batch being measured.</param>
/// <param name="Repetition">1-based repetition (0 in warm-up).</param>
/// <param name="Repetitions">Timed repetitions.</param>
/// <param name="Token">Tokens decoded so far in this repetition.</param>
/// <param name="Tokens">Tokens per repetition.</param>
public sealed record BenchProgress(string Phase, int Batch, int Repetition, int Repetitions, int Token, int Tokens);
