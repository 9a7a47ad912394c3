using LlmLab.Backends;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>Loading a model onto a device from a <see cref="DeviceCatalog"/> (the CLI and the magics share this one way).</summary>
public static class ModelLoading
{
    /// <summary>
    /// Loads the model folder or GGUF file (converted by <paramref name="quant"/> when given) onto a new backend for
    /// <paramref name="device"/>; the backend is released if loading fails, and with the model otherwise. A backend that
    /// plans memory (<see cref="IMemoryPlanner"/>) first checks that the model with a KV cache for <paramref name="batch"/> ×
    /// <paramref name="context"/> tokens (default: the model's full context) fits, before any weight is read.
    /// </summary>
    public static Transformer Load(this DeviceCatalog catalog, string path, string? device = null, DType? computeType = null, int batch = 1,
        int? context = null, QuantizationMix? quant = null, KvCacheType kvType = KvCacheType.Default) =>
        Load(catalog, path, Placement.None, device, computeType, batch, context, quant, kvType);

    /// <summary>
    /// Loads the model with each part where <paramref name="placement"/> puts it (resolved once the config is read: the
    /// <c>--n-gpu-layers</c> split of <paramref name="device"/>, a strategy sized over this machine's GPUs and their free
    /// memory, a tensor split, a JSON map): a backend per device of the map (<paramref name="computeType"/> is the GPUs';
    /// the CPU computes in fp32), each planning backend checked against the planner's bytes for its device before any
    /// weight is read (with <c>--kv-offload none</c> a CPU backend holds every KV cache). The model owns the backends. Its
    /// sessions store the KV cache as <paramref name="kvType"/> unless told otherwise (<see cref="Transformer.KvType"/>),
    /// and the plan sizes it so.
    /// </summary>
    /// <exception cref="InvalidOptionException">A malformed or conflicting placement.</exception>
    public static Transformer Load(this DeviceCatalog catalog, string path, Placement placement, string? device = null, DType? computeType = null, int batch = 1,
        int? context = null, QuantizationMix? quant = null, KvCacheType kvType = KvCacheType.Default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(placement);
        var files = ModelFiles.Open(path, quant);
        var backends = new Dictionary<string, IBackend>();
        try
        {
            var config = files.Config;
            int tokens = Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
            var model = new PlanModel(files.Path, "checkpoint", config, files.Manifest, quant?.Name) { KvType = kvType };
            var gpuType = computeType ?? MemoryPlanner.DefaultGpuComputeType;
            var gpus = new List<PlanDevice>();
            if (placement.PlacesOverGpus)
            {
                // Every GPU of the machine, opened to read its free memory (a strategy sizes by it); those the map leaves out are released.
                int count = catalog.SurveyGpus().Gpus.Count;
                for (int i = 0; i < count; i++)
                {
                    var gpu = catalog.CreateBackend($"cuda:{i}", computeType);
                    backends[gpu.Device] = gpu;
                    gpuType = gpu.ActivationType;
                    gpus.Add(PlanDevice.ForLocalGpu(gpu));
                }
            }
            var map = placement.Resolve(model, DeviceMap.CheckDevice(device ?? "cpu"), gpus, tokens, batch, gpuType);
            foreach (string unused in backends.Keys.Except(map.BackendDevices).ToArray())
            {
                backends[unused].Dispose();
                backends.Remove(unused);
            }
            bool several = map.BackendDevices.Count > 1;
            foreach (string d in map.BackendDevices.Where(d => !backends.ContainsKey(d)))
                backends[d] = catalog.CreateBackend(d, several && d == "cpu" ? null : computeType);
            CheckFits(files, map, backends, batch, context, quant, kvType);
            var loaded = Transformer.Load(files, map, backends, owned: backends.Values.ToArray());
            loaded.KvType = kvType;
            return loaded;
        }
        catch
        {
            foreach (var backend in backends.Values) backend.Dispose();
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The planner's bytes for the model on each planning backend's device (weights as its manifest stores them — block
    /// formats included — KV cache and workspace, as <c>llmlab plan</c> computes them) against the driver's free memory
    /// now. The backends exist, so their contexts and library handles are already out of the free memory: no runtime overhead.
    /// </summary>
    private static void CheckFits(ModelFiles files, DeviceMap map, IReadOnlyDictionary<string, IBackend> backends, int batch, int? context, QuantizationMix? quant,
        KvCacheType kvType)
    {
        if (!backends.Values.OfType<IMemoryPlanner>().Any()) return;
        var config = files.Config;
        int tokens = Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
        var model = new PlanModel(files.Path, "checkpoint", config, files.Manifest, quant?.Name) { KvType = kvType };
        var gpuType = backends.Values.FirstOrDefault(b => b.Device != "cpu")?.ActivationType ?? MemoryPlanner.DefaultGpuComputeType;
        var plan = MemoryPlanner.Plan(model, map, tokens, batch, new Dictionary<string, PlanDevice>(), gpuType);
        foreach (var (device, backend) in backends)
        {
            if (backend is not IMemoryPlanner planner) continue;
            var (free, total) = planner.DriverMemory();
            var need = plan.Devices.Single(d => d.Device == device).ToMemoryPlan() with { OverheadBytes = 0 };
            if (MemoryFit.Fits(need, free)) continue;
            // What would fit, found as `llmlab plan` finds it: each planning device's free memory as a fresh process sees
            // it (the runtime overhead this backend already spent given back, since the planner counts it in the need).
            var devices = backends.Where(b => b.Value is IMemoryPlanner).ToDictionary(b => b.Key, b =>
            {
                var (f, t) = ((IMemoryPlanner)b.Value).DriverMemory();
                return new PlanDevice(b.Key, null, f + (b.Key == "cpu" ? 0 : MemoryPlanner.GpuRuntimeOverheadBytes), t, null, 0, "this machine");
            });
            string advice = MemoryPlanner.Advice(model, map, tokens, batch, devices, gpuType);
            throw new OutOfDeviceMemoryException(MemoryFit.Message(device, need, free, total, backend.Memory, advice));
        }
    }
}
