using System.Globalization;

namespace LlmLab.Planning;

/// <summary>
/// Which device holds each part of a decoder: the embedding table, each layer (with its KV cache), and the output
/// (final norm and head). Devices are <c>cpu</c> or <c>cuda:N</c>. The planner sizes every device a map names. Forms:
/// one device for everything (<see cref="OnDevice"/>), llama.cpp's <c>--n-gpu-layers</c> split (<see cref="GpuLayers"/>)
/// and <c>--tensor-split</c> (<see cref="TensorSplit"/>), an explicit JSON map (<see cref="FromJsonFile"/>), and
/// accelerate's <c>auto</c>/<c>balanced</c>/<c>balanced_low_0</c>/<c>sequential</c> (<see cref="AutoDeviceMap"/>).
/// </summary>
/// <param name="Embedding">Device of the token embedding table.</param>
/// <param name="Layers">Device of each decoder layer, in order.</param>
/// <param name="Output">Device of the final norm and the output head (a tied head is a copy of the table there).</param>
public sealed partial record DeviceMap(string Embedding, IReadOnlyList<string> Layers, string Output)
{
    /// <summary>
    /// Every layer's KV cache in host memory, whatever device holds the layer's weights (llama.cpp's <c>-nkvo</c>,
    /// <c>--kv-offload none</c>): the planner moves all KV bytes to <c>cpu</c>, in the CPU backend's KV type (fp32, or
    /// the <c>--kv-type</c>), and the forward pass runs RoPE, the cache write and attention of a GPU layer on the CPU, as
    /// llama.cpp's does (q, k, v cross to the host, the attention output back). <see cref="Devices"/> does not list the
    /// CPU for it (it names where the parts are); <see cref="BackendDevices"/> does.
    /// </summary>
    public bool KvCacheOnCpu { get; init; }

    /// <summary>Every device the model needs a backend (and a plan) on: <see cref="Devices"/>, and the CPU when it holds every KV cache.</summary>
    public IReadOnlyList<string> BackendDevices => KvCacheOnCpu && !Devices.Contains("cpu") ? [.. Devices, "cpu"] : Devices;

    /// <summary>Most <c>--n-gpu-layers</c> accepted as a number; larger values mean "all" as in llama.cpp (<c>-ngl 999</c>).</summary>
    private const int MaxGpuLayersOption = 100_000;

    /// <summary>Every device the map names, in the order a token meets them.</summary>
    public IReadOnlyList<string> Devices => new[] { Embedding }.Concat(Layers).Append(Output).Distinct().ToArray();

    /// <summary>Everything on <paramref name="device"/>.</summary>
    public static DeviceMap OnDevice(string device, int layers)
    {
        device = CheckDevice(device);
        return new(device, Enumerable.Repeat(device, layers).ToArray(), device);
    }

    /// <summary>
    /// llama.cpp's <c>--n-gpu-layers N</c> over <paramref name="layers"/> decoder layers (src/llama-model.cpp,
    /// <c>load_tensors</c>): the output (final norm + head) counts as layer number <paramref name="layers"/> and the GPU
    /// takes the last N of the layers + 1, so the head goes first, then the last decoder layer, and so on; the input
    /// embedding always stays on the CPU. N = layers + 1 puts every layer and the head on the GPU.
    /// </summary>
    public static DeviceMap GpuLayers(string gpu, int gpuLayers, int layers)
    {
        CheckDevice(gpu);
        if (gpu == "cpu") throw new InvalidOptionException("--n-gpu-layers needs a GPU device (--device cuda:N or --gpu NAME); with --device cpu every layer is on the CPU already");
        if (gpuLayers < 0) throw new InvalidOptionException($"--n-gpu-layers {gpuLayers} must be 0 or more");
        int firstOnGpu = Math.Max(layers + 1 - gpuLayers, 0);
        string Where(int index) => index >= firstOnGpu ? gpu : "cpu";
        return new("cpu", Enumerable.Range(0, layers).Select(Where).ToArray(), Where(layers));
    }

    /// <summary>
    /// Parses <c>--n-gpu-layers</c>: a count (more than <paramref name="layers"/> + 1 means all, as in llama.cpp), or
    /// <c>all</c> (<paramref name="layers"/> + 1: every layer and the head).
    /// </summary>
    /// <exception cref="InvalidOptionException">Not a whole number ≥ 0 or <c>all</c>.</exception>
    public static int ParseGpuLayers(string text, int layers)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return layers + 1;
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n > MaxGpuLayersOption)
            throw new InvalidOptionException($"--n-gpu-layers '{text}' must be a whole number of layers from 0 to {layers + 1} ({layers} layers + the output head), or all");
        return Math.Min(n, layers + 1);
    }

    /// <summary>The device text, checked: <c>cpu</c>, <c>cuda</c> (= <c>cuda:0</c>) or <c>cuda:N</c>.</summary>
    /// <exception cref="InvalidOptionException">Any other text.</exception>
    public static string CheckDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device == "cpu") return device;
        if (device == "cuda") return "cuda:0";
        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n < 1024)
            return $"cuda:{n}";
        throw new InvalidOptionException($"device '{device}' is not known; use cpu, cuda or cuda:N");
    }

    /// <summary>
    /// The device text, checked as <see cref="CheckDevice(string)"/> does and, when <paramref name="gpuCount"/> is known, against
    /// the GPUs given (<c>cuda:0</c> … <c>cuda:gpuCount−1</c>); <paramref name="where"/> names the option or file.
    /// </summary>
    /// <exception cref="InvalidOptionException">Not a device, or a GPU beyond those given.</exception>
    public static string CheckDevice(string device, int? gpuCount, string where)
    {
        ArgumentNullException.ThrowIfNull(device);
        string checkedDevice;
        try
        {
            checkedDevice = CheckDevice(device);
        }
        catch (InvalidOptionException e)
        {
            throw new InvalidOptionException($"{where}: {e.Message}");
        }
        if (gpuCount is { } n && checkedDevice != "cpu" && GpuIndex(checkedDevice) >= n)
            throw new InvalidOptionException(n == 0
                ? $"{where}: device '{device}' names a GPU but none is given (this machine has none; with llmlab plan, name catalog GPUs with --gpu NAME[,NAME…])"
                : $"{where}: device '{device}' is beyond the {n} GPU{(n == 1 ? "" : "s")} given ({(n == 1 ? "cuda:0" : $"cuda:0 … cuda:{n - 1}")}: this machine's, or with llmlab plan the catalog GPUs named by --gpu NAME,NAME…)");
        return checkedDevice;
    }

    /// <summary>N of a checked <c>cuda:N</c>.</summary>
    internal static int GpuIndex(string device) => int.Parse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>
    /// One line: "all on cuda:0", or "embedding on cpu, layers 0-15 on cpu, 16-31 on cuda:0, output on cuda:0"; with
    /// <see cref="KvCacheOnCpuSuffix"/> appended under <see cref="KvCacheOnCpu"/>.
    /// </summary>
    public string Describe() => Placement() + (KvCacheOnCpu ? KvCacheOnCpuSuffix : "");

    /// <summary>What <see cref="Describe"/> appends under <see cref="KvCacheOnCpu"/> (readers of a described map test for it).</summary>
    public const string KvCacheOnCpuSuffix = "; KV cache on cpu";

    private string Placement()
    {
        if (Devices.Count == 1) return $"all on {Embedding}";
        var runs = new List<string>();
        for (int start = 0; start < Layers.Count;)
        {
            int end = start;
            while (end + 1 < Layers.Count && Layers[end + 1] == Layers[start]) end++;
            runs.Add(start == end ? $"{start} on {Layers[start]}" : $"{start}-{end} on {Layers[start]}");
            start = end + 1;
        }
        return $"embedding on {Embedding}, layers {string.Join(", ", runs)}, output on {Output}";
    }
}
