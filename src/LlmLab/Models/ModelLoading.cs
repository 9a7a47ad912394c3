using LlmLab.Backends;
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
            var config = files.Config;
            if (backend is IMemoryPlanner planner)
                planner.CheckFits(config.Shape, batch, Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings));
            return Transformer.Load(files, backend);
        }
        catch
        {
            backend?.Dispose();
            files.Dispose();
            throw;
        }
    }
}
