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
        IReadOnlyList<MemoryReport?>? memoryReports = null;
        ResidualCrossings? crossings = null;
        foreach (int batch in options.Batches)
        {
            points.Add(MeasureBatch(model, options, batch, progress, clock ?? TimeProvider.System, out var reports, out var moved));
            memoryReports ??= reports;
            crossings ??= moved;
        }
        // The ledgers' peaks, read before the copy tests, whose buffers are not the model's.
        var peaks = model.Backends.Select(b => b.Memory.Peak).ToArray();
        progress?.Report(new BenchProgress("bandwidth", 0, 0, options.Repetitions, 0, 0));
        var bandwidths = model.Backends.Select(b => b is IBandwidthProbe probe ? probe.MeasureCopyBandwidth(CopyTestBytes, CopyTestRepetitions) : double.NaN).ToArray();
        int headIndex = IndexOf(model.Backends, backend);   // not the last backend when a CPU backend holds the KV caches
        double bandwidth = bandwidths[headIndex];
        var memoryReport = memoryReports![headIndex];
        long peak = peaks[headIndex];

        var head = points[0];
        long bytesPerToken = BytesPerToken(model, options.PromptTokens + options.NewTokens / 2);
        double roofline = bandwidth / bytesPerToken;
        string? deviceName = (backend as ITelemetrySource)?.DeviceName;
        var planModel = PlanModel.Of(model);
        int context = options.PromptTokens + options.NewTokens;
        var gpuType = model.Map.Devices.Where(d => d != "cpu").Select(d => model.BackendOf(d).ActivationType).FirstOrDefault(MemoryPlanner.DefaultGpuComputeType);
        // What the planner predicted for this run before loading: bytes by category (the ledger's categories), and decode
        // at the roofline × the stated efficiency of this kind of device.
        var planned = MemoryPlanner.Plan(planModel, DeviceMap.OnDevice(backend.Device, model.Config.NumLayers), context, head.Point.Batch,
            new Dictionary<string, PlanDevice>(), backend.ActivationType).Devices[0];
        double deviceFraction = backend.Device == "cpu" ? PlanDevice.CpuDecodeFractionOfCopy
            : GpuCatalog.FindByDriverName(deviceName)?.DecodeFractionOfCopy ?? GpuSpec.DefaultDecodeFractionOfCopy;
        // Decode: each weight format at its measured share of the device's (BF16) efficiency, as the planner predicts it.
        double decodeFraction = deviceFraction *
            MemoryPlanner.DecodeMix(planModel, DeviceMap.OnDevice(backend.Device, model.Config.NumLayers), backend.Device, context, backend.ActivationType).Multiplier;
        // The TTFT's head read at the device's own fraction, as the planner's TTFT takes it.
        var ttft = model.Backends.Count == 1 ? PredictTtft(model, planModel, options, head.Point.Batch, bandwidth * deviceFraction, deviceName, progress) : null;
        IReadOnlyList<BenchDevice>? devices = null;
        double? crossingMs = null;
        long? crossingBytes = null;
        if (model.Backends.Count > 1)
        {
            // A map: each device reads its part at its own copy bandwidth, one after the other, and the residual stream
            // crosses between them; the bound is the sum of those times.
            var known = new Dictionary<string, PlanDevice>();
            string? NameOf(IBackend b) => (b as ITelemetrySource)?.DeviceName ?? (b.Device == "cpu" ? $"{Environment.ProcessorCount} logical cores" : null);
            double BandwidthOf(IBackend b) => bandwidths[IndexOf(model.Backends, b)];
            foreach (string d in model.Map.BackendDevices)
            {
                var b = model.BackendOf(d);
                known[d] = new PlanDevice(d, NameOf(b), null, null, BandwidthOf(b), 1.0, $"copy test {BandwidthOf(b) / 1e9:F1} GB/s in this run");
            }
            var plan = MemoryPlanner.Plan(planModel, model.Map, context, head.Point.Batch, known, gpuType);
            int kvTokens = options.PromptTokens + options.NewTokens / 2;
            devices = plan.Devices.Select(p =>
            {
                var b = model.BackendOf(p.Device);
                int i = IndexOf(model.Backends, b);
                // The planner reads K and V at half the context; the bench's decode averages prompt + new/2 positions.
                long bytes = p.Predicted!.BytesPerToken - p.KvBytesPerToken * (context / 2) + p.KvBytesPerToken * kvTokens;
                return new BenchDevice(p.Device, NameOf(b), bandwidths[i] / 1e9, bytes, bytes / bandwidths[i] * 1e3, peaks[i], memoryReports[i], p);
            }).ToArray();
            int perToken = model.CrossingsPerStep;
            crossingMs = crossings is { Count: > 0 } c ? c.Milliseconds / c.Count : null;
            crossingBytes = crossings is { Count: > 0 } m ? m.Bytes / m.Count : (long)head.Point.Batch * model.Config.HiddenSize * gpuType.SizeOf();
            double boundMs = devices.Sum(d => d.BoundMsPerToken) + perToken * (crossingMs ?? 0);
            bytesPerToken = devices.Sum(d => d.BytesPerToken);
            roofline = 1e3 / boundMs;
            bandwidth = bytesPerToken / (boundMs / 1e3);
            peak = peaks.Sum();
            decodeFraction = 1.0;
        }
        return new BenchResult
        {
            Device = devices is null ? backend.Device : string.Join(" + ", model.Map.Devices),
            DeviceName = devices is null ? deviceName ?? (backend.Device == "cpu" ? $"{Environment.ProcessorCount} logical cores" : null) : null,
            DeviceMap = devices is null ? null : model.Map.Describe(),
            Devices = devices,
            CrossingsPerToken = devices is null ? null : model.CrossingsPerStep,
            CrossingMs = crossingMs,
            CrossingBytes = devices is null ? null : crossingBytes,
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
            Planned = devices is null ? planned : null,
            PredictedDecodeTokensPerSecond = devices is null && double.IsFinite(roofline) ? roofline * decodeFraction : null,
            PredictedDecodeFraction = devices is null ? decodeFraction : null,
            PredictedTtftMs = ttft?.Ms,
            PredictedPrefillTokensPerSecond = ttft is { } t ? head.Point.Batch * options.PromptTokens / (t.Ms / 1e3) : null,
            PredictedPrefillBasis = ttft?.Basis,
            AverageWatts = head.Watts,
            TokensPerJoule = head.TokensPerJoule,
            BatchSweep = points.Count > 1 ? points.Select(p => p.Point).ToArray() : null,
        };
    }

    /// <summary>
    /// The planner's time to first token for this run on one device: the prompt's FLOPs at the device's prefill rate — on
    /// the CPU its matmul probe on the model's formats (timed here, after the run) × <see cref="PlanDevice.CpuPrefillFractionOfProbe"/>,
    /// on a catalog GPU its dense BF16 throughput × <see cref="MemoryPlanner.PrefillFractionOfPeak"/> — plus the output head
    /// read once at <paramref name="decodeBytesPerSecond"/>; null on a GPU the catalog does not know.
    /// </summary>
    private static (double Ms, string Basis)? PredictTtft(Transformer model, PlanModel planModel, BenchOptions options, int batch, double decodeBytesPerSecond,
        string? deviceName, IProgress<BenchProgress>? progress)
    {
        var backend = model.Backend;
        double flopsPerSecond;
        string basis;
        if (backend.Device == "cpu")
        {
            progress?.Report(new BenchProgress("matmul probe", batch, 0, options.Repetitions, 0, 0));
            var rate = CpuPrefillRate.Measure(planModel, batch * Math.Min(options.PromptTokens, DecoderShape.DefaultPrefillChunk));
            (flopsPerSecond, basis) = (rate.FlopsPerSecond, rate.Basis);
        }
        else if (GpuCatalog.FindByDriverName(deviceName) is { } gpu)
            (flopsPerSecond, basis) = (gpu.Bf16Tflops * 1e12 * MemoryPlanner.PrefillFractionOfPeak, $"{gpu.Name} dense BF16 {gpu.Bf16Tflops:F0} TFLOPS × {MemoryPlanner.PrefillFractionOfPeak:P0}");
        else return null;
        double flopsPerToken = MemoryPlanner.PrefillFlopsPerToken(planModel, options.PromptTokens);
        long headBytes = PrefillPrediction.HeadBytes(planModel, backend.Device != "cpu", backend.ActivationType);
        double headMs = double.IsFinite(decodeBytesPerSecond) && decodeBytesPerSecond > 0 ? headBytes / decodeBytesPerSecond * 1e3 : 0;
        double ms = PrefillPrediction.TtftMs(options.PromptTokens, batch, flopsPerToken, flopsPerSecond, headMs);
        return (ms, $"{batch * options.PromptTokens} tokens × {flopsPerToken / 1e9:F3} GFLOP at {flopsPerSecond / 1e9:F1} GFLOP/s = {ms - headMs:F1} ms, " +
            $"+ head {headBytes / 1e6:F1} MB at decode bandwidth = {headMs:F2} ms; {basis}");
    }

    /// <summary>
    /// Bytes one batch-1 decode step reads: every weight matrix once (the embedding table only
    /// when it doubles as the output head; a lookup reads one row) plus K and V of
    /// <paramref name="contextTokens"/> positions in every layer, in the model's KV type.
    /// </summary>
    public static long BytesPerToken(Transformer model, int contextTokens)
    {
        var w = model.Weights;
        long bytes = w.Bytes - (model.Config.TieWordEmbeddings ? 0 : w.Embedding.Bytes) + w.Embedding.Bytes / w.Embedding.Rows;
        var kvFormat = model.KvType.Format(TensorFormats.FromDType(model.Backend.ActivationType));
        long kvPerToken = 2L * model.Config.NumLayers * KvCacheTypes.RowBytes(kvFormat, model.Config.NumKvHeads, model.Config.HeadDim);
        return bytes + kvPerToken * contextTokens;
    }

    private static int IndexOf(IReadOnlyList<IBackend> backends, IBackend backend)
    {
        for (int i = 0; i < backends.Count; i++)
            if (ReferenceEquals(backends[i], backend)) return i;
        throw new ArgumentException($"{backend.Device} is not one of the model's backends", nameof(backend));
    }

    private static (BatchPoint, double, double, double?, double?, double[]) MeasureBatch(Transformer model, BenchOptions o, int batch, IProgress<BenchProgress>? progress,
        TimeProvider clock, out IReadOnlyList<MemoryReport?> memory, out ResidualCrossings crossings)
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
        var decodeCrossings = new ResidualCrossings(0, 0, 0);
        for (int rep = -o.Warmup; rep < o.Repetitions; rep++)
        {
            bool timed = rep >= 0;
            string phase = timed ? "decode" : "warm-up";
            session.Reset();
            progress?.Report(new BenchProgress(timed ? "prefill" : "warm-up", batch, rep + 1, o.Repetitions, 0, o.NewTokens));
            // The session's decode loop, as generation runs it: every sample is the gap between two tokens reaching the host.
            double first = 0, previous = 0;
            TelemetrySampler? sampler = null;
            ResidualCrossings? atFirst = null;
            try
            {
                foreach (var step in session.Decode(prompt, o.NewTokens, SamplingOptions.Greedy, clock))
                {
                    if (step.Index == 0)
                    {
                        first = step.ElapsedMs;
                        atFirst = session.Crossings;
                        if (timed) sampler = TelemetrySampler.Start(backend as ITelemetrySource, TelemetryPeriod);
                    }
                    else if (timed) itl.Add(step.ElapsedMs - previous);
                    previous = step.ElapsedMs;
                    if (step.Index % 8 == 0) progress?.Report(new BenchProgress(phase, batch, rep + 1, o.Repetitions, step.Index, o.NewTokens));
                }
                if (!timed) continue;
                // The crossings of the decode steps (a queued step may straddle the first token: a count, not a timing, concern).
                if (atFirst is not null) decodeCrossings = decodeCrossings.Plus(session.Crossings.Since(atFirst));
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
        memory = model.Backends.Select(b => (b as IMemoryReporter)?.MemoryReport()).ToArray();
        crossings = decodeCrossings;
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
