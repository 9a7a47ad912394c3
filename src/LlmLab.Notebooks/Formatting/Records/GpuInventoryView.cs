using System.ComponentModel;
using System.Text.RegularExpressions;
using LlmLab.Backends;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="GpuInventory"/>: one row per GPU with its sensors, or a sentence saying that none was found and why.</summary>
internal static class GpuInventoryView
{
    /// <summary>One row of the GPU table; sensor columns are null where the device has no sensors.</summary>
    private sealed record GpuRow(string Device, string Name, double MemoryGiB, [property: DisplayName("Compute capability")] string? Compute,
        [property: DisplayName("Power (W)")] double? PowerW, int? SmClockMHz, [property: DisplayName("Temperature (°C)")] int? TemperatureC, double? MemoryUsedGiB);

    /// <summary>
    /// The list of folders a provider searched for a native library ("Looked in: /a, /b, … ."): kept out of the
    /// one-line summary (it ran to 20 paths and 1,500 characters) and shown by <c>#!llm-gpu --details</c>.
    /// </summary>
    private static readonly Regex SearchedFolders = new(@"\s*Looked in: .*?\.(?=\s+[A-Z]|\s*;|\s*$)", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    public static RecordView Of(GpuInventory inventory)
    {
        if (!inventory.Any) return new RecordView("No GPU found", [new NoteBlock(Summary(inventory.WhyNone ?? "no backend reported a device"))]);
        var rows = inventory.Gpus.Select(g => new GpuRow(g.Device, g.Name, GiB(g.MemoryTotalBytes), g.ComputeCapability,
            g.Telemetry is { } t ? Math.Round(t.PowerWatts, 1) : null, g.Telemetry?.SmClockMHz, g.Telemetry?.TemperatureC,
            g.Telemetry is { } u ? GiB(u.MemoryUsedBytes) : null)).ToArray();
        var title = inventory.Gpus.Count == 1 ? "1 GPU" : Invariant($"{inventory.Gpus.Count} GPUs");
        return new RecordView(title, [new TableBlock("GPUs and their sensors (NVML) now", rows)]);
    }

    /// <summary>Why there is no GPU in one line: the reason and what to do, without the folders searched.</summary>
    public static string Summary(string whyNone)
    {
        var summary = SearchedFolders.Replace(whyNone, "");
        var line = Sentence(summary.Trim());
        return summary.Length == whyNone.Length ? line : line + " (#!llm-gpu --details lists the folders searched.)";
    }

    /// <summary>A capital first and a full stop last; a leading file name (libcuda.so.1) keeps its spelling.</summary>
    private static string Sentence(string text)
    {
        var firstWord = text.Split(' ', 2)[0];
        var start = firstWord.Contains('.') ? text : char.ToUpperInvariant(text[0]) + text[1..];
        return start + (text.EndsWith('.') ? "" : ".");
    }

    private static double GiB(long bytes) => Math.Round(bytes / (1024.0 * 1024 * 1024), 2);
}
