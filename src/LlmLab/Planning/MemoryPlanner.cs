using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// Bytes per device by category — weights, KV cache, workspace, runtime overhead — for a model × quantization × context
/// × batch × device map, from the tensor manifest and the backends' own sizing rules, before anything is allocated;
/// and the decode/prefill speeds the devices' bandwidth and tensor throughput predict.
/// </summary>
/// <remarks>
/// The CPU backend (Backends/Cpu) holds weights as views of the checkpoint (memory-mapped file pages, or the converted
/// buffers of <c>--quant</c>) and its ledger counts their stored bytes; vectors also get an fp32 copy that the ledger
/// does not count (KiB). The planner counts what the ledger counts: the manifest's bytes. Its KV cache is fp32 unless
/// <see cref="PlanModel.KvType"/> says otherwise (F16/BF16, or Q8_0/Q4_0 blocks along each head); its
/// workspace the session's step buffers (<see cref="DecoderShape.SessionBufferBytes"/>); per-thread scratch and rotary
/// tables live on the managed heap, outside the ledger. A GPU is sized by <see cref="CudaMemoryRule"/>: float
/// matrices in the compute type, vectors in fp32, block formats as stored; KV in the compute type (or the KV type); and
/// <see cref="GpuRuntimeOverheadBytes"/> for what the driver holds outside the ledger.
/// </remarks>
public static class MemoryPlanner
{
    /// <summary>
    /// Device memory a CUDA process takes outside LlmLab's ledger (CUDA context, cuBLASLt handle, NVRTC modules, graphs):
    /// 560 MiB, from the driver's total − free − ledger after loading llama-3.1-8b BF16 — 79.18 − 63.49 − 15.14 GiB =
    /// 0.55 GiB on the H100 (notes/cuda/run30-h100) and 139.80 − 124.11 − 15.14 = 0.55 GiB on the H200 (notes/cuda/run31),
    /// 0.52–0.53 GiB with llama-3.2-1b; rounded up.
    /// </summary>
    public const long GpuRuntimeOverheadBytes = 560L << 20;

    /// <summary>
    /// Prefill tok/s × FLOPs per token as a fraction of the dense BF16 tensor throughput: 0.50, LlmLab's llama-3.1-8b
    /// prefill of 512 tokens (README: TTFT 14.5 ms on the H200 → 50.3 % of 989.5 TFLOPS; 14.8 ms on the H100 → 49.3 %),
    /// with FLOPs counted as <see cref="PrefillFlopsPerToken"/> does.
    /// </summary>
    public const double PrefillFractionOfPeak = 0.50;

    /// <summary>Years a GPU's launch price is spread over for cost per token (a common depreciation period), decoding continuously.</summary>
    public const int AmortizationYears = 3;

    /// <summary>The GPUs' compute type: BF16, the CUDA backend's default.</summary>
    public const DType DefaultGpuComputeType = DType.BF16;

    /// <summary>Most sequences a plan takes (the session's own limit).</summary>
    public const int MaxBatch = 4096;

    /// <summary>
    /// Plans <paramref name="model"/> over <paramref name="map"/> for <paramref name="batch"/> sequences of
    /// <paramref name="context"/> tokens; <paramref name="devices"/> gives free memory and bandwidth per device (a device
    /// missing from it is planned without either).
    /// </summary>
    /// <remarks><c>promptTokens</c>: a prompt length per sequence to predict the time to first token of (<see cref="PlanSpeed.TtftMs"/>); null: none.</remarks>
    /// <exception cref="InvalidOptionException">A context or batch out of range, a prompt longer than the context, or a map that does not cover the model's layers.</exception>
    public static ModelPlan Plan(PlanModel model, DeviceMap map, int context, int batch, IReadOnlyDictionary<string, PlanDevice> devices,
        DType gpuComputeType = DefaultGpuComputeType, int? promptTokens = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(devices);
        var config = model.Config;
        CheckRequest(model, context, batch);
        if (map.Layers.Count != config.NumLayers)
            throw new InvalidOptionException($"the device map places {map.Layers.Count} layers but {model.Name} has {config.NumLayers}");

        if (promptTokens is { } prompt && (prompt < 1 || prompt > context))
            throw new InvalidOptionException($"--prompt-tokens {prompt} must be between 1 and the context ({context})");

        var plans = map.BackendDevices.Select(d => PlanDevice(model, map, d, context, batch, devices.GetValueOrDefault(d), gpuComputeType)).ToArray();
        return new ModelPlan(model.Name, model.Quantization, model.Manifest.BitsPerWeight, context, batch, map.Describe(), plans,
            Speed(model, map, plans, context, batch, promptTokens, devices, gpuComputeType)) { PromptTokens = promptTokens };
    }

    /// <summary>Refuses a context outside 1 … the model's max_position_embeddings, or a batch outside 1 … <see cref="MaxBatch"/>.</summary>
    /// <exception cref="InvalidOptionException">Either is out of range; the message names the option and the range.</exception>
    public static void CheckRequest(PlanModel model, int context, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        int longest = model.Config.MaxPositionEmbeddings;
        if (context < 1 || context > longest)
            throw new InvalidOptionException($"--context {context} must be between 1 and the model's max_position_embeddings ({longest})");
        if (batch < 1 || batch > MaxBatch) throw new InvalidOptionException($"--batch {batch} must be between 1 and {MaxBatch}");
    }

    /// <summary>
    /// The longest context (≤ the model's max_position_embeddings) at which every device fits, or 0 when even one token
    /// does not; found by bisection, since every category grows with the context.
    /// </summary>
    public static int MaxContext(PlanModel model, DeviceMap map, int batch, IReadOnlyDictionary<string, PlanDevice> devices, DType gpuComputeType = DefaultGpuComputeType)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool Fits(int c) => Plan(model, map, c, batch, devices, gpuComputeType).Fits;
        if (!Fits(1)) return 0;
        int lo = 1, hi = model.Config.MaxPositionEmbeddings;
        if (Fits(hi)) return hi;
        while (hi - lo > 1)
        {
            int mid = lo + (hi - lo) / 2;
            if (Fits(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    /// <summary>Smaller mixes the advice tries, largest first (llama.cpp's common choices).</summary>
    private static readonly string[] SmallerMixes = ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"];

    /// <summary>
    /// What would fit when <paramref name="map"/> does not, each computed by planning it: fewer GPU layers (on one GPU
    /// llama.cpp's split, the head first; over several, the <c>auto</c> or else <c>sequential</c> map of the GPUs' free
    /// memory), the largest smaller quantization mix, and the longest context — e.g. "fits with --n-gpu-layers 20, or
    /// --quant Q4_K_M, or --context 9216".
    /// </summary>
    public static string Advice(PlanModel model, DeviceMap map, int context, int batch, IReadOnlyDictionary<string, PlanDevice> devices,
        DType gpuComputeType = DefaultGpuComputeType)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(map);
        var options = new List<string>();
        var gpus = map.Devices.Where(d => d != "cpu").ToArray();
        if (gpus.Length == 1)
        {
            string gpu = gpus[0];
            int layers = model.Config.NumLayers, current = map.Layers.Count(l => l == gpu) + (map.Output == gpu ? 1 : 0);
            for (int n = Math.Min(current, layers + 1) - 1; n >= 0; n--)
                if (Plan(model, DeviceMap.GpuLayers(gpu, n, layers) with { KvCacheOnCpu = map.KvCacheOnCpu }, context, batch, devices, gpuComputeType).Fits)
                {
                    if (n > 0) options.Add($"--n-gpu-layers {n}");
                    break;
                }
        }
        else if (gpus.Length > 1 && AutoMapThatFits(model, map, context, batch, devices, gpuComputeType) is { } fitting)
            options.Add(fitting);
        foreach (var mix in SmallerMixes.Select(QuantizationMix.Parse))
        {
            var smaller = model with { Manifest = PlanModel.Computed(model.Config, mix, PlanModel.DefaultStoredFormat), Quantization = mix.Name };
            if (smaller.Manifest.BitsPerWeight >= model.Manifest.BitsPerWeight) continue;
            if (!Plan(smaller, map, context, batch, devices, gpuComputeType).Fits) continue;
            options.Add($"--quant {mix.Name}");
            break;
        }
        int longest = MaxContext(model, map, batch, devices, gpuComputeType);
        if (longest >= 1 && longest < context) options.Add($"--context {longest}");
        return options.Count > 0 ? "fits with " + string.Join(", or ", options)
            : "no smaller split, quantization or context fits: use a device with more memory";
    }

    /// <summary>
    /// Plans <paramref name="model"/> over <paramref name="map"/> as <see cref="Plan"/> does and refuses a plan that does not
    /// fit, before anything is loaded: the one-line message names the first device that does not fit, what it needs by
    /// category, what is free, and what would fit (<see cref="Advice"/>).
    /// </summary>
    /// <exception cref="OutOfDeviceMemoryException">A device of known free memory cannot hold its share.</exception>
    /// <exception cref="InvalidOptionException">A context or batch out of range, or a map that does not cover the model's layers.</exception>
    public static ModelPlan CheckFits(PlanModel model, DeviceMap map, int context, int batch, IReadOnlyDictionary<string, PlanDevice> devices,
        DType gpuComputeType = DefaultGpuComputeType)
    {
        var plan = Plan(model, map, context, batch, devices, gpuComputeType);
        if (plan.Fits) return plan;
        plan = plan with { Advice = Advice(model, map, context, batch, devices, gpuComputeType) };
        throw new OutOfDeviceMemoryException(plan.MisfitMessage()!);
    }

    // Over several GPUs: the auto (balanced) map, else the sequential one, over the same GPUs' free memory, when it fits —
    // "--device-map auto (embedding on cuda:0, layers 0-17 on cuda:0, 18-31 on cuda:1, output on cuda:1)".
    private static string? AutoMapThatFits(PlanModel model, DeviceMap map, int context, int batch, IReadOnlyDictionary<string, PlanDevice> devices, DType gpuComputeType)
    {
        var budgets = map.Devices.Where(d => d != "cpu" && devices.GetValueOrDefault(d)?.FreeBytes is not null)
            .ToDictionary(d => d, d => devices[d].FreeBytes!.Value);
        if (budgets.Count == 0) return null;
        foreach (var (strategy, name) in new[] { (DeviceMapStrategy.Auto, "auto"), (DeviceMapStrategy.Sequential, "sequential") })
        {
            var candidate = AutoDeviceMap.Infer(model, strategy, budgets, context, batch, gpuComputeType, map.KvCacheOnCpu);
            if (Plan(model, candidate, context, batch, devices, gpuComputeType).Fits) return $"--device-map {name} ({candidate.Describe()})";
        }
        return null;
    }

    /// <summary>FLOPs one prompt token costs in prefill: 2 per weight of the decoder layers, plus QKᵀ and PV over half the context on average (4 × layers × heads·headDim × context/2).</summary>
    public static double PrefillFlopsPerToken(PlanModel model, int context)
    {
        ArgumentNullException.ThrowIfNull(model);
        double layerWeights = model.Manifest.Weights.Where(w => w.Layer is not null && w.Shape.Length == 2).Sum(w => (double)w.Elements);
        return 2 * layerWeights + 4.0 * model.Config.NumLayers * model.Config.QueryDim * (context / 2.0);
    }

    private static DevicePlan PlanDevice(PlanModel model, DeviceMap map, string device, int context, int batch, PlanDevice? info, DType gpuComputeType)
    {
        bool gpu = device != "cpu";
        int layers = map.Layers.Count(d => d == device);
        long weights = 0, read = 0;
        var readByFormat = new List<(TensorFormat, long)>();
        foreach (var (entry, reads) in Held(model, map, device))
        {
            long bytes = HeldBytes(entry, gpu, gpuComputeType);
            weights += bytes;
            long r = reads ? bytes : bytes / entry.Shape[0];
            read += r;
            readByFormat.Add((entry.Format, r));
        }
        // Under KvCacheOnCpu the CPU holds (and reads) the K and V of every layer; a GPU none.
        int kvLayers = !map.KvCacheOnCpu ? layers : gpu ? 0 : map.Layers.Count;
        long kvPerToken = kvLayers * LayerKvBytesPerToken(model, gpu, gpuComputeType);
        long kv = kvPerToken * batch * context;
        long workspace = WorkspaceBytes(model, gpu, context, batch, gpuComputeType, DequantWorkspace(model, map, device, gpuComputeType));
        long overhead = gpu ? GpuRuntimeOverheadBytes : 0;
        DeviceSpeed? speed = null;
        if (info?.BandwidthBytesPerSecond is { } bandwidth)
        {
            // Batch-1 decode at the middle of the context: weights once, K and V of context/2 positions per layer here.
            long bytes = read + kvPerToken * (context / 2);
            // Each weight format decodes at its own measured share of BF16's efficiency on this kind of device (FormatEfficiency).
            double multiplier = FormatEfficiency.Multiplier(readByFormat, kvPerToken * (context / 2), gpu);
            string? note = FormatEfficiency.Note(readByFormat.Select(f => f.Item1), gpu);
            double effective = bandwidth * info.DecodeFraction * multiplier;
            speed = new DeviceSpeed(bytes, effective / 1e9, bytes / effective * 1e3, note is null ? info.Basis : $"{info.Basis}; {note}");
        }
        return new DevicePlan(device, info?.Name, layers, weights, kv, workspace, overhead, info?.FreeBytes, info?.TotalBytes, kvPerToken, speed);
    }

    /// <summary>
    /// The factor a device's BF16 decode fraction takes for the weights <paramref name="device"/> reads under
    /// <paramref name="map"/> and half the context's KV cache (<see cref="FormatEfficiency.Multiplier"/>), with its note.
    /// </summary>
    internal static (double Multiplier, string? Note) DecodeMix(PlanModel model, DeviceMap map, string device, int context, DType gpuComputeType)
    {
        bool gpu = device != "cpu";
        var reads = Held(model, map, device).Select(h => (h.Entry.Format, h.ReadWhole ? HeldBytes(h.Entry, gpu, gpuComputeType) : HeldBytes(h.Entry, gpu, gpuComputeType) / h.Entry.Shape[0])).ToList();
        long kv = map.Layers.Count(d => d == device) * LayerKvBytesPerToken(model, gpu, gpuComputeType) * (context / 2);
        return (FormatEfficiency.Multiplier(reads, kv, gpu), FormatEfficiency.Note(reads.Select(r => r.Format), gpu));
    }

    /// <summary>Bytes a device holds for one weight: on a GPU as <see cref="CudaMemoryRule"/> sizes it, on the CPU as stored.</summary>
    internal static long HeldBytes(ManifestEntry entry, bool gpu, DType gpuComputeType) =>
        gpu ? CudaMemoryRule.WeightBytes(entry.Format, entry.Shape, gpuComputeType) : entry.Bytes;

    /// <summary>
    /// K and V bytes per token of one layer in the model's <see cref="PlanModel.KvType"/> — by default in the compute type
    /// on a GPU and fp32 on the CPU — from the format's block geometry, as the backends' caches allocate them.
    /// </summary>
    /// <exception cref="InvalidOptionException">A block KV type and a head_dim that is not a whole number of its blocks.</exception>
    internal static long LayerKvBytesPerToken(PlanModel model, bool gpu, DType gpuComputeType) =>
        2L * KvCacheTypes.RowBytes(model.KvType.Format(gpu ? TensorFormats.FromDType(gpuComputeType) : TensorFormat.F32), model.Config.NumKvHeads, model.Config.HeadDim);

    /// <summary>
    /// Activations and workspace of a device that holds any part of the model: on a GPU the CUDA backend's step buffers,
    /// attention scratch and GEMM workspace, plus <paramref name="dequantBytes"/> when a step has more than one token; on the
    /// CPU the session's step buffers.
    /// </summary>
    internal static long WorkspaceBytes(PlanModel model, bool gpu, int context, int batch, DType gpuComputeType, long dequantBytes)
    {
        var config = model.Config;
        int chunk = Math.Min(DecoderShape.DefaultPrefillChunk, context);
        return gpu
            ? CudaMemoryRule.WorkspaceBytes(config.Shape, batch, context, chunk, gpuComputeType, CudaMemoryRule.FlashPrefillApplies(gpuComputeType, config.HeadDim), CudaMemoryRule.DefaultGemmWorkspaceBytes)
              + (chunk > 1 ? dequantBytes : 0)
            : config.Shape.SessionBufferBytes(batch, chunk, sizeof(float));
    }

    /// <summary>The CUDA backend's dequantization workspace for the largest block matrix among <paramref name="entries"/>.</summary>
    internal static long DequantWorkspace(IEnumerable<ManifestEntry> entries, DType computeType) =>
        entries.Where(e => e.Format.IsQuantized() && e.Shape.Length == 2)
            .Select(e => CudaMemoryRule.DequantWorkspaceBytes(e.Shape[0], e.Shape[1], computeType))
            .DefaultIfEmpty(0).Max();

    // The CUDA backend's dequantization workspace: what the largest block matrix it holds asks for, allocated at the
    // first prefill product (none without block matrices, or when no step has more than one token).
    private static long DequantWorkspace(PlanModel model, DeviceMap map, string device, DType computeType) =>
        DequantWorkspace(Held(model, map, device).Select(h => h.Entry), computeType);

    // The weights a device holds, and whether a decode step reads all of each (false: the embedding table, of which a
    // lookup reads one row). A tied head on another device than the embedding is a copy of the table there (llama.cpp
    // duplicates token_embd as the output tensor the same way).
    private static IEnumerable<(ManifestEntry Entry, bool ReadWhole)> Held(PlanModel model, DeviceMap map, string device)
    {
        bool tied = model.Config.TieWordEmbeddings;
        foreach (var w in model.Manifest.Weights)
        {
            string where = w.Role switch
            {
                TensorRole.Embedding => map.Embedding,
                TensorRole.FinalNorm or TensorRole.OutputHead => map.Output,
                _ => map.Layers[w.Layer ?? throw new InvalidOperationException($"tensor '{w.Name}' ({w.Role}) has no layer")],
            };
            if (w.Role == TensorRole.Embedding)
            {
                if (tied && map.Output == device) yield return (w, true);              // the head (and the lookup, if here too)
                else if (where == device) yield return (w, false);                    // the lookup only
                continue;
            }
            if (where == device) yield return (w, true);
        }
    }

    private static PlanSpeed? Speed(PlanModel model, DeviceMap map, IReadOnlyList<DevicePlan> plans, int context, int batch, int? promptTokens,
        IReadOnlyDictionary<string, PlanDevice> devices, DType gpuComputeType)
    {
        if (plans.Any(p => p.Predicted is null)) return null;
        double decode = 1e3 / plans.Sum(p => p.Predicted!.MsPerToken);
        double flops = PrefillFlopsPerToken(model, context);
        var gpus = map.BackendDevices.Select(d => devices[d].Gpu).ToArray();
        bool allGpu = gpus.All(g => g is not null);
        double? prefill = null, ttft = null;
        string? prefillBasis = null;
        var layerDevices = map.Layers.Distinct().ToArray();
        if (layerDevices.All(d => devices[d].PrefillFlopsPerSecond is not null))
        {
            // Each device computes its layers' share of the FLOPs at its own rate; the stages run one after another.
            double SecondsPerFlop() => layerDevices.Sum(d => (double)map.Layers.Count(l => l == d) / map.Layers.Count / devices[d].PrefillFlopsPerSecond!.Value);
            prefill = 1 / (flops * SecondsPerFlop());
            prefillBasis = string.Join("; ", layerDevices.Select(d => devices[d].PrefillBasis).Distinct());
            if (promptTokens is { } prompt)
            {
                // The first token's logits: the head read once on the output device, at its decode bandwidth.
                var output = devices[map.Output];
                bool gpu = map.Output != "cpu";
                double headMs = output.BandwidthBytesPerSecond is { } bw ? PrefillPrediction.HeadBytes(model, gpu, gpuComputeType) / (bw * output.DecodeFraction) * 1e3 : 0;
                ttft = PrefillPrediction.TtftMs(prompt, batch, PrefillFlopsPerToken(model, prompt), 1 / SecondsPerFlop(), headMs);
            }
        }
        double? perJoule = allGpu ? decode / gpus.Sum(g => g!.TdpWatts) : null;
        double? usd = allGpu && gpus.All(g => g!.LaunchUsd is not null)
            ? gpus.Sum(g => g!.LaunchUsd!.Value) / (decode * AmortizationYears * 365.25 * 86400) * 1e6
            : null;
        return new PlanSpeed(decode, prefill, perJoule, usd, flops) { TtftMs = ttft, PrefillBasis = prefillBasis };
    }
}
