using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// The placement options as a user gives them (<c>--device-map</c>, <c>--tensor-split</c>, <c>--max-memory</c>,
/// <c>--n-gpu-layers</c>, <c>--kv-offload</c>), resolved into a <see cref="DeviceMap"/> once the model and the GPUs are
/// known: the one way <c>llmlab plan</c>, every loading command and <c>#!llm-load</c> turn them into a map.
/// </summary>
/// <param name="MapText">--device-map: a strategy (auto, balanced, balanced_low_0, sequential), a device, or a JSON file.</param>
/// <param name="TensorSplit">--tensor-split: proportions of the offloaded layers over cuda:0, cuda:1, ….</param>
/// <param name="MaxMemory">--max-memory: the budgets of a strategy.</param>
/// <param name="GpuLayers">--n-gpu-layers: llama.cpp's count (or all).</param>
/// <param name="KvCacheOnCpu">--kv-offload none: every layer's KV cache on the CPU.</param>
public sealed record Placement(string? MapText = null, string? TensorSplit = null, string? MaxMemory = null, string? GpuLayers = null, bool KvCacheOnCpu = false)
{
    /// <summary>No placement option: everything on the one device.</summary>
    public static Placement None { get; } = new();

    /// <summary>The accelerate strategy --device-map names, if it names one.</summary>
    public DeviceMapStrategy? Strategy => MapText is null ? null : AutoDeviceMap.ParseStrategy(MapText);

    /// <summary>Whether the placement spreads the model over the machine's GPUs (cuda:0 … from --gpu or this machine).</summary>
    public bool PlacesOverGpus => MapText is not null || TensorSplit is not null;

    /// <summary>Refuses two options that each decide where the layers go, or a budget without the strategy it is for.</summary>
    /// <param name="device">--device when given explicitly (null when absent).</param>
    /// <exception cref="InvalidOptionException">The first conflict, in one line.</exception>
    public void CheckConflicts(string? device)
    {
        if (MapText is not null && GpuLayers is not null)
            throw new InvalidOptionException("--device-map and --n-gpu-layers both place the layers; give one (--device-map sequential with --max-memory cuda:0=SIZE caps the GPU's share by bytes)");
        if (MapText is not null && TensorSplit is not null)
            throw new InvalidOptionException("--device-map and --tensor-split both place the layers; give one");
        if (PlacesOverGpus && device is not null)
            throw new InvalidOptionException($"--device {device} puts everything on one device; with --{(MapText is not null ? "device-map" : "tensor-split")} leave it out (the GPUs are this machine's, or --gpu NAME,NAME…)");
        if (MaxMemory is not null && Strategy is null)
            throw new InvalidOptionException("--max-memory sets the budgets of --device-map auto|balanced|balanced_low_0|sequential; give one of those with it" +
                (MapText is not null ? $" (--device-map {MapText} places the layers itself)" : ""));
    }

    /// <summary>The budgets --max-memory gives over <paramref name="gpuCount"/> GPUs, or null without it.</summary>
    /// <exception cref="InvalidOptionException">Malformed sizes or devices.</exception>
    public IReadOnlyDictionary<string, long>? Budgets(int gpuCount) => MaxMemory is { } text ? Planning.MaxMemory.Parse(text, gpuCount) : null;

    /// <summary>
    /// The map for <paramref name="model"/>: over <paramref name="gpus"/> (cuda:0 … in order, with their free memory) for
    /// the forms that spread over GPUs; else on <paramref name="device"/>, or llama.cpp's <c>--n-gpu-layers</c> split of
    /// it. A strategy's budgets are --max-memory's GPU entries, else each GPU's free memory.
    /// </summary>
    /// <exception cref="InvalidOptionException">A malformed form, a device outside the machine, or a map that does not cover the layers.</exception>
    public DeviceMap Resolve(PlanModel model, string device, IReadOnlyList<PlanDevice> gpus, int context, int batch, DType gpuComputeType)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gpus);
        int layers = model.Config.NumLayers;
        DeviceMap map;
        if (TensorSplit is { } split)
        {
            var proportions = DeviceMap.ParseTensorSplit(split, gpus.Count);
            int offloaded = GpuLayers is { } n ? DeviceMap.ParseGpuLayers(n, layers) : layers + 1;
            map = DeviceMap.TensorSplit(proportions, offloaded, layers);
        }
        else if (MapText is { } form)
        {
            if (Strategy is { } strategy)
            {
                // accelerate: only the devices max_memory names are used; the CPU takes the rest whatever it names.
                var budgets = Budgets(gpus.Count) is { } given
                    ? given.Where(b => b.Key != "cpu").ToDictionary()
                    : gpus.ToDictionary(g => g.Device, g => g.FreeBytes ?? 0);
                map = AutoDeviceMap.Infer(model, strategy, budgets, context, batch, gpuComputeType, KvCacheOnCpu);
            }
            // A device ("cpu", "cuda:1"; "tpu:0" is refused as a device), else a file.
            else if (form == "cpu" || form.StartsWith("cuda", StringComparison.Ordinal) || (form.Contains(':', StringComparison.Ordinal) && !File.Exists(form)))
                map = DeviceMap.OnDevice(DeviceMap.CheckDevice(form, gpus.Count, "--device-map"), layers);
            else map = DeviceMap.FromJsonFile(form, layers, gpus.Count);
        }
        else if (GpuLayers is { } gpuLayers) map = DeviceMap.GpuLayers(device, DeviceMap.ParseGpuLayers(gpuLayers, layers), layers);
        else map = DeviceMap.OnDevice(device, layers);
        return map with { KvCacheOnCpu = KvCacheOnCpu };
    }
}
