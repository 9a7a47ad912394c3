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
        int? context = null, QuantizationMix? quant = null) =>
        Load(catalog, path, layers => DeviceMap.OnDevice(device ?? "cpu", layers), computeType, batch, context, quant);

    /// <summary>
    /// Loads the model with each part on the device <paramref name="map"/> gives it for the model's layer count (a map
    /// form such as <c>--n-gpu-layers</c> needs that count, known once the config is read): a new backend per device
    /// (<paramref name="computeType"/> is the GPUs'; the CPU computes in fp32), each planning backend checked against the
    /// planner's bytes for its device before any weight is read. The model owns the backends.
    /// </summary>
    public static Transformer Load(this DeviceCatalog catalog, string path, Func<int, DeviceMap> map, DType? computeType = null, int batch = 1,
        int? context = null, QuantizationMix? quant = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(map);
        var files = ModelFiles.Open(path, quant);
        var backends = new Dictionary<string, IBackend>();
        try
        {
            var placed = map(files.Config.NumLayers);
            bool several = placed.Devices.Count > 1;
            foreach (string device in placed.Devices)
                backends[device] = catalog.CreateBackend(device, several && device == "cpu" ? null : computeType);
            CheckFits(files, placed, backends, batch, context, quant);
            return Transformer.Load(files, placed, backends, owned: backends.Values.ToArray());
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
    private static void CheckFits(ModelFiles files, DeviceMap map, IReadOnlyDictionary<string, IBackend> backends, int batch, int? context, QuantizationMix? quant)
    {
        if (!backends.Values.OfType<IMemoryPlanner>().Any()) return;
        var config = files.Config;
        int tokens = Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
        var model = new PlanModel(files.Path, "checkpoint", config, files.Manifest, quant?.Name);
        var gpuType = backends.Values.FirstOrDefault(b => b.Device != "cpu")?.ActivationType ?? MemoryPlanner.DefaultGpuComputeType;
        var plan = MemoryPlanner.Plan(model, map, tokens, batch, new Dictionary<string, PlanDevice>(), gpuType);
        foreach (var (device, backend) in backends)
        {
            if (backend is not IMemoryPlanner planner) continue;
            var (free, total) = planner.DriverMemory();
            MemoryFit.Check(device, plan.Devices.Single(d => d.Device == device).ToMemoryPlan() with { OverheadBytes = 0 }, free, total, backend.Memory);
        }
    }
}
