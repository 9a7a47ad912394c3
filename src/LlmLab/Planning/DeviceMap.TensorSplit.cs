using System.Globalization;

namespace LlmLab.Planning;

// llama.cpp's --tensor-split with --split-mode layer: proportions of the offloaded layers over the GPUs.
public sealed partial record DeviceMap
{
    /// <summary>Most GPUs a <c>--tensor-split</c> list may name (as <see cref="CheckDevice(string)"/> bounds N in cuda:N).</summary>
    private const int MaxSplitDevices = 1024;

    /// <summary>
    /// llama.cpp's <c>--tensor-split</c> in split-mode layer (src/llama-model.cpp, <c>load_tensors</c>): of the
    /// <paramref name="layers"/> decoder layers + the output (layer number <paramref name="layers"/>), the last
    /// <paramref name="gpuLayers"/> go to the GPUs as <see cref="GpuLayers"/> chooses them, the rest to the CPU; offloaded
    /// slot i (0 = the first offloaded) goes to the first GPU whose cumulative share of the normalised proportions
    /// exceeds i ÷ (offloaded slots), computed in single precision as llama.cpp does. So <c>3,1</c> over 33 slots gives
    /// cuda:0 slots 0-24 and cuda:1 slots 25-32; a GPU of proportion 0 gets nothing. The input embedding stays on the CPU
    /// (llama.cpp: "very little benefit" to offloading it).
    /// </summary>
    /// <param name="proportions">One non-negative weight per GPU, cuda:0 first (from <see cref="ParseTensorSplit"/>).</param>
    /// <param name="gpuLayers">Slots offloaded, 0 … layers + 1 (from <see cref="ParseGpuLayers"/>; all when absent).</param>
    /// <param name="layers">Decoder layers of the model.</param>
    /// <exception cref="InvalidOptionException">Proportions empty, negative, not finite or all zero; gpuLayers out of range.</exception>
    public static DeviceMap TensorSplit(IReadOnlyList<double> proportions, int gpuLayers, int layers)
    {
        ArgumentNullException.ThrowIfNull(proportions);
        CheckProportions(proportions, string.Join(",", proportions.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        if (gpuLayers < 0 || gpuLayers > layers + 1)
            throw new InvalidOptionException($"--n-gpu-layers {gpuLayers} must be between 0 and {layers + 1} ({layers} layers + the output head)");

        // Cumulative shares, normalised so that the last is 1 (single precision, as llama.cpp's float splits[]).
        var splits = new float[proportions.Count];
        float sum = 0;
        for (int i = 0; i < splits.Length; i++) splits[i] = sum += (float)proportions[i];
        for (int i = 0; i < splits.Length; i++) splits[i] /= sum;

        int firstOnGpu = layers + 1 - gpuLayers;
        string Where(int slot)
        {
            if (slot < firstOnGpu) return "cpu";
            float position = (float)(slot - firstOnGpu) / gpuLayers;
            int gpu = 0;
            while (gpu < splits.Length - 1 && splits[gpu] <= position) gpu++;   // upper bound: first share > position
            return $"cuda:{gpu}";
        }
        return new("cpu", Enumerable.Range(0, layers).Select(Where).ToArray(), Where(layers));
    }

    /// <summary>Parses <c>--tensor-split</c>: comma-separated non-negative proportions, one per GPU (<c>3,1</c>, <c>0.6,0.4</c>).</summary>
    /// <param name="text">The option's value.</param>
    /// <param name="gpuCount">GPUs given, when known: more proportions than GPUs is an error.</param>
    /// <exception cref="InvalidOptionException">Empty, not a number, negative, all zero, or more entries than GPUs.</exception>
    public static IReadOnlyList<double> ParseTensorSplit(string text, int? gpuCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidOptionException("--tensor-split is empty; give one proportion per GPU, e.g. --tensor-split 3,1");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > MaxSplitDevices)
            throw new InvalidOptionException($"--tensor-split '{text}' names {parts.Length} GPUs; at most {MaxSplitDevices}");
        var proportions = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out proportions[i]) || !double.IsFinite(proportions[i]))
                throw new InvalidOptionException($"--tensor-split '{text}': '{parts[i]}' is not a number; give one proportion per GPU, e.g. 3,1");
        }
        CheckProportions(proportions, text);
        if (gpuCount is { } n && proportions.Length > n)
            throw new InvalidOptionException($"--tensor-split '{text}' gives {proportions.Length} proportions but {n} GPU{(n == 1 ? " is" : "s are")} given " +
                "(this machine's GPUs; with llmlab plan, catalog GPUs named by --gpu NAME,NAME…)");
        return proportions;
    }

    private static void CheckProportions(IReadOnlyList<double> proportions, string text)
    {
        if (proportions.Count == 0)
            throw new InvalidOptionException("--tensor-split is empty; give one proportion per GPU, e.g. --tensor-split 3,1");
        foreach (double p in proportions)
            if (p < 0 || !double.IsFinite(p))
                throw new InvalidOptionException($"--tensor-split '{text}': proportion {p.ToString(CultureInfo.InvariantCulture)} must be a finite number ≥ 0");
        if (proportions.All(p => p == 0))
            throw new InvalidOptionException($"--tensor-split '{text}': every proportion is 0, so no GPU takes a layer; give at least one above 0");
    }
}
