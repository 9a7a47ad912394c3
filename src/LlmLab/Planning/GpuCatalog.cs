using System.Text.Json;

namespace LlmLab.Planning;

/// <summary>
/// The GPUs <c>llmlab plan --gpu</c> can predict for, read from the embedded Planning/gpu-catalog.json (each figure
/// with its source). A GPU is named by its id (<c>h100-sxm</c>) or its vendor name (<c>"H100 SXM"</c>), case-insensitively.
/// </summary>
public static class GpuCatalog
{
    private const string ResourceName = "LlmLab.Planning.gpu-catalog.json";

    private static readonly Lazy<IReadOnlyList<GpuSpec>> Loaded = new(Load);

    /// <summary>Every GPU, in the file's order (roughly by price and size).</summary>
    public static IReadOnlyList<GpuSpec> All => Loaded.Value;

    /// <summary>The GPU called <paramref name="name"/> (id or vendor name).</summary>
    /// <exception cref="InvalidOptionException">No GPU of that name; the message lists the ids.</exception>
    public static GpuSpec Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Normalize(name);
        return All.FirstOrDefault(g => Normalize(g.Id) == key || Normalize(g.Name) == key)
            ?? throw new InvalidOptionException($"--gpu '{name}' is not in the GPU catalog; use one of {string.Join(", ", All.Select(g => g.Id))}, or all");
    }

    /// <summary>The catalog entry of a local GPU from the name its driver reports (e.g. "NVIDIA H100 80GB HBM3"), or null.</summary>
    public static GpuSpec? FindByDriverName(string? deviceName) =>
        deviceName is null ? null : All.FirstOrDefault(g => g.CudaNames?.Any(n => deviceName.StartsWith(n, StringComparison.OrdinalIgnoreCase)) == true);

    /// <summary>The GPUs a <c>--gpu</c> value names: <c>all</c>, or a comma-separated list of ids/names.</summary>
    /// <exception cref="InvalidOptionException">An unknown or empty name.</exception>
    public static IReadOnlyList<GpuSpec> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(string.IsNullOrEmpty)) throw new InvalidOptionException($"--gpu '{text}' has an empty name; give ids separated by commas, e.g. rtx-4090,h100-sxm");
        return names.Select(Get).Distinct().ToArray();
    }

    /// <summary>
    /// The GPUs of a machine to plan a device map for: a comma-separated list of ids/names, in order, a name repeated
    /// for each GPU of that kind (<c>h100-sxm,h100-sxm</c> is cuda:0 and cuda:1).
    /// </summary>
    /// <exception cref="InvalidOptionException">An unknown or empty name, or <c>all</c> (a table, not a machine).</exception>
    public static IReadOnlyList<GpuSpec> ParseMachine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOptionException("--gpu all prints a table of single GPUs; with a device map name the machine's GPUs in order, e.g. --gpu h100-sxm,h100-sxm");
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(string.IsNullOrEmpty)) throw new InvalidOptionException($"--gpu '{text}' has an empty name; give ids separated by commas, e.g. h100-sxm,h100-sxm");
        return names.Select(Get).ToArray();
    }

    // "H100 SXM", "h100-sxm" and "H100_SXM" are one name.
    private static string Normalize(string name) => new(name.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());

    private static IReadOnlyList<GpuSpec> Load()
    {
        using var stream = typeof(GpuCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the GPU catalog resource {ResourceName} is missing from LlmLab.dll (a build problem)");
        var file = JsonSerializer.Deserialize<CatalogFile>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"{ResourceName} is empty");
        return file.Gpus;
    }

    private sealed record CatalogFile(string About, IReadOnlyList<GpuSpec> Gpus);
}
