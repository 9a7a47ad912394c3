using LlmLab.Backends;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>Loading a model onto a device from a <see cref="DeviceCatalog"/> (the CLI and the magics share this one way).</summary>
public static class ModelLoading
{
    /// <summary>
    /// Loads the model folder or GGUF file (converted by <paramref name="quant"/> when given) onto a new backend for
    /// <paramref name="device"/>; the backend is released if loading fails. A backend that plans memory
    /// (<see cref="IMemoryPlanner"/>) first checks that the model with a KV cache for <paramref name="batch"/> ×
    /// <paramref name="context"/> tokens (default: the model's full context) fits, before any weight is read.
    /// </summary>
    public static Transformer Load(this DeviceCatalog catalog, string path, string? device = null, DType? computeType = null, int batch = 1,
        int? context = null, QuantizationMix? quant = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var files = ModelFiles.Open(path, quant);
        IBackend? backend = null;
        try
        {
            backend = catalog.CreateBackend(device, computeType);
            if (backend is IMemoryPlanner planner) CheckFits(files, backend, planner, batch, context, quant);
            return Transformer.Load(files, backend);
        }
        catch
        {
            backend?.Dispose();
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The planner's bytes for the model on the backend's device (weights as its manifest stores them — block formats
    /// included — KV cache and workspace, as <c>llmlab plan</c> computes them) against the driver's free memory now.
    /// The backend exists, so its context and library handles are already out of the free memory: no runtime overhead.
    /// </summary>
    private static void CheckFits(ModelFiles files, IBackend backend, IMemoryPlanner planner, int batch, int? context, QuantizationMix? quant)
    {
        var config = files.Config;
        int tokens = Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
        var model = new PlanModel(files.Path, "checkpoint", config, files.Manifest, quant?.Name);
        var plan = MemoryPlanner.Plan(model, DeviceMap.OnDevice(backend.Device, config.NumLayers), tokens, batch, new Dictionary<string, PlanDevice>(),
            backend.ActivationType).Devices[0];
        var (free, total) = planner.DriverMemory();
        MemoryFit.Check(backend.Device, plan.ToMemoryPlan() with { OverheadBytes = 0 }, free, total, backend.Memory);
    }
}
