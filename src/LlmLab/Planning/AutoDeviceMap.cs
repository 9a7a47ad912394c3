using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// accelerate's automatic device maps (utils/modeling.py: <c>get_balanced_memory</c>, <c>infer_auto_device_map</c>)
/// over LlmLab's parts — the embedding, each decoder layer, the output (final norm + head) — sized by the planner's own
/// rules: a part's bytes are its weights as the device holds them plus, for a layer, its KV cache for batch × context
/// tokens; each device that holds a part also pays its workspace and, on a GPU, the runtime overhead
/// (<see cref="MemoryPlanner"/>). Parts go to the GPUs in order (cuda:0 first), never back, and whatever the GPUs'
/// budgets do not take goes to the CPU.
/// </summary>
/// <remarks>
/// <para>
/// <c>sequential</c> fills each GPU up to its budget. <c>balanced</c> (and <c>auto</c>) first lowers every GPU's budget
/// but the last to the model's size ÷ GPUs + a buffer of 1.25 × the largest decoder layer (accelerate: 1.25 × the larger of
/// a no-split block and the mean leaf module), leaving the last GPU its whole budget in case the buffer is short.
/// <c>balanced_low_0</c> spreads the model over the other GPUs the same way (size ÷ (GPUs − 1)) and gives GPU 0 only what
/// their budgets cannot hold. With one GPU, <c>balanced_low_0</c> is <c>balanced</c>. <c>auto</c> is <c>balanced</c> when
/// that fits on the GPUs, else whichever of balanced and sequential leaves fewer parts to the CPU. When any part lands on the CPU,
/// the first GPU keeps room for the largest part still to place (accelerate's reserve on its main device, so that an
/// offloaded layer can be brought to the GPU to run: the streamed offload the issue asks for).
/// </para>
/// <para>Differences from accelerate, each because LlmLab's planner knows more or LlmLab runs differently:</para>
/// <list type="bullet">
/// <item>A budget (<c>--max-memory</c>, or free memory) covers everything the planner counts — weights, KV cache,
/// workspace and runtime overhead — not the weights alone; so there is no 10 % cut of a lone GPU's free memory
/// (accelerate's guess at activations when max_memory is unset).</item>
/// <item>Parts are whole: an embedding, a layer, or norm + head; accelerate may split a module that is not a no-split
/// block into its children. A tied head on another device than the embedding is a copy of the table there.</item>
/// <item>The reserve for the largest part is taken only when something is offloaded (accelerate takes it always, so a
/// model that just fits still loses a layer to the CPU). The CPU keeps no reserve, since LlmLab has no disk offload:
/// parts the GPUs cannot take all go to the CPU, and the plan then says whether the CPU's budget holds them.</item>
/// <item><c>auto</c> is <c>balanced</c> only when balanced fits: over uneven GPUs (24 GiB + 4 GiB) balanced's cap on the
/// first GPU sends layers to the CPU that the first GPU could hold, and accelerate's auto does that too; LlmLab's auto
/// then takes the sequential map.</item>
/// <item>A device missing from <c>--max-memory</c> is not used, as in accelerate, except the CPU, which then has its
/// available RAM (the remainder has to go somewhere).</item>
/// </list>
/// </remarks>
public static class AutoDeviceMap
{
    /// <summary>
    /// accelerate's buffer over the even share of each GPU but the last, as a multiple of the largest decoder layer:
    /// 1.25 (<c>get_balanced_memory</c>: <c>buffer = int(1.25 * max(buffer, mean_leaves))</c>), so that rounding to whole
    /// layers does not push the last layers of an even split to the CPU.
    /// </summary>
    public const double BalanceBufferLayers = 1.25;

    /// <summary>The strategy a <c>--device-map</c> value names (auto, balanced, balanced_low_0, sequential), or null.</summary>
    public static DeviceMapStrategy? ParseStrategy(string text) => text switch
    {
        "auto" => DeviceMapStrategy.Auto,
        "balanced" => DeviceMapStrategy.Balanced,
        "balanced_low_0" => DeviceMapStrategy.BalancedLow0,
        "sequential" => DeviceMapStrategy.Sequential,
        _ => null,
    };

    /// <summary>
    /// The map <paramref name="strategy"/> chooses for <paramref name="model"/> with <paramref name="budgets"/> bytes per
    /// device (GPUs as <c>cuda:N</c>; a <c>cpu</c> entry is not needed to place: the CPU takes the rest).
    /// </summary>
    /// <param name="model">The model as planned.</param>
    /// <param name="strategy">How to spread it.</param>
    /// <param name="budgets">The most each device may hold, in bytes (<see cref="MaxMemory.Parse"/>, or free memory); GPUs of budget 0 are not used.</param>
    /// <param name="context">Tokens per sequence of the KV cache.</param>
    /// <param name="batch">Sequences.</param>
    /// <param name="gpuComputeType">The GPUs' compute type (weights and KV sizes).</param>
    /// <param name="kvCacheOnCpu">Every KV cache on the CPU (<c>--kv-offload none</c>): layers weigh only their weights on a GPU.</param>
    /// <exception cref="InvalidOptionException">A context or batch out of range, a budget below 0, a device that is not cpu or cuda:N, or a GPU named twice.</exception>
    public static DeviceMap Infer(PlanModel model, DeviceMapStrategy strategy, IReadOnlyDictionary<string, long> budgets, int context, int batch,
        DType gpuComputeType = MemoryPlanner.DefaultGpuComputeType, bool kvCacheOnCpu = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(budgets);
        MemoryPlanner.CheckRequest(model, context, batch);
        if (budgets.FirstOrDefault(b => b.Value < 0) is { Key: not null } negative)
            throw new InvalidOptionException($"the budget of {negative.Key} is negative ({negative.Value} bytes)");

        var parts = new Parts(model, context, batch, gpuComputeType, kvCacheOnCpu);
        var given = new Dictionary<string, long>();
        foreach (var (device, bytes) in budgets)
        {
            string gpu = DeviceMap.CheckDevice(device);
            if (gpu == "cpu" || bytes == 0) continue;
            if (!given.TryAdd(gpu, bytes)) throw new InvalidOptionException($"the budgets name {gpu} twice ('{device}'); give each device once");
        }
        var gpus = given.Keys.OrderBy(DeviceMap.GpuIndex).ToArray();
        var limits = new Dictionary<string, long>(given);
        if (strategy != DeviceMapStrategy.Sequential) Balance(parts, gpus, limits, lowZero: strategy == DeviceMapStrategy.BalancedLow0);

        var where = PlaceWithReserve(parts, gpus, limits);
        if (strategy == DeviceMapStrategy.Auto && where.Contains("cpu"))
        {
            // Balanced caps can offload what one full GPU would hold (uneven GPUs); then auto is sequential.
            var sequential = PlaceWithReserve(parts, gpus, given);
            if (sequential.Count(d => d == "cpu") < where.Count(d => d == "cpu")) where = sequential;
        }
        return new DeviceMap(where[0], where[1..^1], where[^1]) { KvCacheOnCpu = kvCacheOnCpu };
    }

    // Placed without a reserve first; when anything lands on the CPU, again keeping room on the first GPU.
    private static string[] PlaceWithReserve(Parts parts, string[] gpus, Dictionary<string, long> limits)
    {
        var where = Place(parts, gpus, limits, reserve: false);
        return gpus.Length > 0 && where.Contains("cpu") ? Place(parts, gpus, limits, reserve: true) : where;
    }

    // get_balanced_memory: every GPU but the last capped at an even share + buffer (GPU 0 at the others' overflow for low_zero).
    private static void Balance(Parts parts, string[] gpus, Dictionary<string, long> limits, bool lowZero)
    {
        int n = gpus.Length;
        if (n == 0) return;
        if (n == 1) lowZero = false;
        long total = parts.TotalGpuBytes;
        long buffer = (long)(BalanceBufferLayers * parts.LargestLayerGpuBytes);
        long perGpu = total / (lowZero ? n - 1 : n) + buffer + parts.GpuFixedBytes;
        foreach (string gpu in gpus[..^1])
            if (!(lowZero && gpu == gpus[0])) limits[gpu] = Math.Min(perGpu, limits[gpu]);
        if (lowZero)
        {
            long others = gpus[1..].Sum(g => Math.Max(0, limits[g] - parts.GpuFixedBytes));
            long overflow = Math.Max(0, total - others);
            limits[gpus[0]] = Math.Min(overflow > 0 ? overflow + parts.GpuFixedBytes : 0, limits[gpus[0]]);
        }
    }

    // infer_auto_device_map over whole parts: the current GPU takes a part when it fits under its limit (less the largest
    // part still to place, on the first GPU, when reserving); otherwise the next GPU; after the last GPU, the CPU.
    private static string[] Place(Parts parts, string[] gpus, Dictionary<string, long> limits, bool reserve)
    {
        var where = new string[parts.Count];
        var used = new long[gpus.Length];
        int current = 0;
        for (int part = 0; part < parts.Count; part++)
        {
            where[part] = "cpu";
            for (; current < gpus.Length; current++)
            {
                long need = parts.GpuBytes(part, where, gpus[current]) + (used[current] == 0 ? parts.GpuFixedBytes : 0);
                long limit = limits[gpus[current]] - (reserve && current == 0 ? parts.LargestGpuBytesFrom(part) : 0);
                if (used[current] + need > limit) continue;
                used[current] += need;
                where[part] = gpus[current];
                break;
            }
        }
        return where;
    }

    /// <summary>
    /// The parts in the order a token meets them — 0 the embedding, 1 … L the layers, L + 1 the output — with their bytes
    /// on a GPU (the planner's rules), and what any GPU holding a part pays besides.
    /// </summary>
    private sealed class Parts
    {
        private readonly long[] _gpuBytes;
        private readonly long _normBytes;
        private readonly bool _tied;

        public Parts(PlanModel model, int context, int batch, DType computeType, bool kvCacheOnCpu)
        {
            int layers = model.Config.NumLayers;
            _tied = model.Config.TieWordEmbeddings;
            _gpuBytes = new long[layers + 2];
            long kv = kvCacheOnCpu ? 0 : MemoryPlanner.LayerKvBytesPerToken(model, gpu: true, computeType) * batch * context;
            for (int l = 1; l <= layers; l++) _gpuBytes[l] = kv;
            foreach (var w in model.Manifest.Weights)
            {
                long bytes = MemoryPlanner.HeldBytes(w, gpu: true, computeType);
                switch (w.Role)
                {
                    case TensorRole.Embedding:
                        _gpuBytes[0] += bytes;
                        if (_tied) _gpuBytes[^1] += bytes;     // the head is the table
                        break;
                    case TensorRole.FinalNorm:
                        _normBytes += bytes;
                        _gpuBytes[^1] += bytes;
                        break;
                    case TensorRole.OutputHead:
                        _gpuBytes[^1] += bytes;
                        break;
                    default:
                        _gpuBytes[1 + (w.Layer ?? throw new InvalidOperationException($"tensor '{w.Name}' ({w.Role}) has no layer"))] += bytes;
                        break;
                }
            }
            LargestLayerGpuBytes = _gpuBytes[1..^1].DefaultIfEmpty(0).Max();
            TotalGpuBytes = _gpuBytes.Sum() - (_tied ? _gpuBytes[^1] - _normBytes : 0);   // a tied table counted once
            GpuFixedBytes = MemoryPlanner.WorkspaceBytes(model, gpu: true, context, batch, computeType,
                MemoryPlanner.DequantWorkspace(model.Manifest.Weights, computeType)) + MemoryPlanner.GpuRuntimeOverheadBytes;
        }

        public int Count => _gpuBytes.Length;

        /// <summary>Bytes of the model on GPUs, a tied table once.</summary>
        public long TotalGpuBytes { get; }

        /// <summary>The largest decoder layer with its KV cache (accelerate's no-split block).</summary>
        public long LargestLayerGpuBytes { get; }

        /// <summary>Workspace (with the dequantization buffer of the model's largest block matrix) + runtime overhead of a GPU that holds any part.</summary>
        public long GpuFixedBytes { get; }

        /// <summary>Bytes <paramref name="part"/> adds to <paramref name="gpu"/>; a tied head where the table already is adds only the norm.</summary>
        public long GpuBytes(int part, string[] where, string gpu) =>
            part == Count - 1 && _tied && where[0] == gpu ? _normBytes : _gpuBytes[part];

        /// <summary>The largest part from <paramref name="part"/> on (accelerate's largest layer still to place).</summary>
        public long LargestGpuBytesFrom(int part) => _gpuBytes[part..].Max();
    }
}
