using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Measurement;

/// <summary>
/// Prefill and decode timing of a loaded model with warm-up and repetitions, reported against the
/// memory-bandwidth roofline measured in the same run (see <see cref="BenchResult"/>).
/// </summary>
public static class Benchmark
{
    /// <summary>Bytes copied by the bandwidth test: far above any cache.</summary>
    private const long CopyTestBytes = 512L * 1024 * 1024;

    /// <summary>Copy-test repetitions (the best is kept).</summary>
    private const int CopyTestRepetitions = 5;

    /// <summary>Telemetry sampling period during decode.</summary>
    private static readonly TimeSpan TelemetryPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs the benchmark on <paramref name="model"/>; times are read from <paramref name="clock"/> (the system's by default).</summary>
    public static BenchResult Run(Transformer model, BenchOptions options, IProgress<BenchProgress>? progress = null, TimeProvider? clock = null)
    {
        options.Validate(model.Config.MaxPositionEmbeddings);
        var backend = model.Backend;
        var points = new List<(BatchPoint Point, double PrefillTps, double DecodeTps, double? Watts, double? TokensPerJoule, double[] InterTokenSamples)>();
        MemoryReport? memoryReport = null;
        foreach (int batch in options.Batches)
        {
            points.Add(MeasureBatch(model, options, batch, progress, clock ?? TimeProvider.System, out var report));
            memoryReport ??= report;
        }
        // The ledger's peak, the same figure on every device, read before the copy test, whose buffers are not the model's.
        long peak = backend.Memory.Peak;
        progress?.Report(new BenchProgress("bandwidth", 0, 0, options.Repetitions, 0, 0));
        double bandwidth = backend is IBandwidthProbe probe ? probe.MeasureCopyBandwidth(CopyTestBytes, CopyTestRepetitions) : double.NaN;

        var head = points[0];
        long bytesPerToken = BytesPerToken(model, options.PromptTokens + options.NewTokens / 2);
        double roofline = bandwidth / bytesPerToken;
        string? deviceName = (backend as ITelemetrySource)?.DeviceName;
        // What the planner predicted for this run before loading: bytes by category (the ledger's categories), and decode
        // at the roofline × the stated efficiency of this kind of device.
        var planned = MemoryPlanner.Plan(new PlanModel(Path.GetFileName(model.ModelPath), "loaded", model.Config, model.Manifest, model.Quantization?.Name),
            DeviceMap.OnDevice(backend.Device, model.Config.NumLayers), options.PromptTokens + options.NewTokens, head.Point.Batch,
            new Dictionary<string, PlanDevice>(), backend.ActivationType).Devices[0];
        double decodeFraction = backend.Device == "cpu" ? PlanDevice.CpuDecodeFractionOfCopy
            : GpuCatalog.FindByDriverName(deviceName)?.DecodeFractionOfCopy ?? GpuSpec.DefaultDecodeFractionOfCopy;
        return new BenchResult
        {
            Device = backend.Device,
            DeviceName = deviceName ?? (backend.Device == "cpu" ? $"{Environment.ProcessorCount} logical cores" : null),
            Model = Path.GetFileName(model.ModelPath),
            PromptTokens = options.PromptTokens,
            NewTokens = options.NewTokens,
            Batch = head.Point.Batch,
            Repetitions = options.Repetitions,
            TtftMs = head.Point.TtftMs,
            PrefillTokensPerSecond = head.PrefillTps,
            DecodeTokensPerSecond = head.DecodeTps,
            InterTokenMs = head.Point.InterTokenMs,
            InterTokenSamplesMs = head.InterTokenSamples,
            WeightBytes = model.Weights.Bytes,
            BytesPerToken = bytesPerToken,
            BandwidthGBps = bandwidth / 1e9,
            RooflineTokensPerSecond = roofline,
            RooflineFraction = head.DecodeTps / roofline,
            PeakMemoryBytes = peak,
            Memory = memoryReport,
            Planned = planned,
            PredictedDecodeTokensPerSecond = double.IsFinite(roofline) ? roofline * decodeFraction : null,
            PredictedDecodeFraction = decodeFraction,
            AverageWatts = head.Watts,
            TokensPerJoule = head.TokensPerJoule,
            BatchSweep = points.Count > 1 ? points.Select(p => p.Point).ToArray() : null,
        };
    }

    /// <summary>
    /// Bytes one batch-1 decode step reads: every weight matrix once (the embedding table only
    /// when it doubles as the output head; a lookup reads one row) plus K and V of
    /// <paramref name="contextTokens"/> positions in every layer.
    /// </summary>
    public static long BytesPerToken(Transformer model, int contextTokens)
    {
        var w = model.Weights;
        long bytes = w.Bytes - (model.Config.TieWordEmbeddings ? 0 : w.Embedding.Bytes) + w.Embedding.Bytes / w.Embedding.Rows;
        int kvElement = model.Backend.ActivationType.SizeOf();
        return bytes + model.Config.KvCacheBytesPerToken(kvElement) * contextTokens;
    }

    private static (BatchPoint, double, double, double?, double?, double[]) MeasureBatch(Transformer model, BenchOptions o, int batch, IProgress<BenchProgress>? progress, TimeProvider clock, out MemoryReport? memory)
    {
        var backend = model.Backend;
        var random = new Random(o.Seed);
        var prompt = new int[batch * o.PromptTokens];
        for (int i = 0; i < prompt.Length; i++) prompt[i] = random.Next(model.Config.VocabSize);
        var ttft = new List<double>();
        var decodeSeconds = new List<double>();
        var itl = new List<double>();
        using var session = model.CreateSession(batch, o.PromptTokens + o.NewTokens);
        var telemetry = new List<TelemetrySample>();
        for (int rep = -o.Warmup; rep < o.Repetitions; rep++)
        {
            bool timed = rep >= 0;
            string phase = timed ? "decode" : "warm-up";
            session.Reset();
            progress?.Report(new BenchProgress(timed ? "prefill" : "warm-up", batch, rep + 1, o.Repetitions, 0, o.NewTokens));
            // The session's decode loop, as generation runs it: every sample is the gap between two tokens reaching the host.
            double first = 0, previous = 0;
            TelemetrySampler? sampler = null;
            try
            {
                foreach (var step in session.Decode(prompt, o.NewTokens, SamplingOptions.Greedy, clock))
                {
                    if (step.Index == 0)
                    {
                        first = step.ElapsedMs;
                        if (timed) sampler = TelemetrySampler.Start(backend as ITelemetrySource, TelemetryPeriod);
                    }
                    else if (timed) itl.Add(step.ElapsedMs - previous);
                    previous = step.ElapsedMs;
                    if (step.Index % 8 == 0) progress?.Report(new BenchProgress(phase, batch, rep + 1, o.Repetitions, step.Index, o.NewTokens));
                }
                if (!timed) continue;
                ttft.Add(first);
                decodeSeconds.Add((previous - first) / 1000);
                if (sampler is not null) telemetry.AddRange(sampler.Stop());
            }
            finally
            {
                sampler?.Dispose();
            }
        }
        // Read while the session (KV cache, activations) is still allocated, and before the copy test.
        memory = (backend as IMemoryReporter)?.MemoryReport();
        double medianTtft = Median(ttft);
        // Time to first token is the prefill plus choosing and reading one token: prefill tok/s is measured on it.
        double prefillTps = batch * o.PromptTokens / (medianTtft / 1000);
        double perSequenceTps = (o.NewTokens - 1) / Median(decodeSeconds);
        double? watts = telemetry.Count > 0 ? telemetry.Average(s => s.PowerWatts) : null;
        double? perJoule = watts is > 0 ? batch * perSequenceTps / watts : null;
        var point = new BatchPoint(batch, batch * perSequenceTps, LatencyPercentiles.Of(itl), medianTtft);
        return (point, prefillTps, perSequenceTps, watts, perJoule, itl.ToArray());
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
