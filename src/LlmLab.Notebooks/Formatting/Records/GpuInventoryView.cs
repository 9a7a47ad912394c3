using LlmLab.Backends;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="GpuInventory"/>: one row per GPU with its sensors, or a sentence saying that none was found and why.</summary>
internal static class GpuInventoryView
{
    /// <summary>One row of the GPU table; sensor columns are null where the device has no sensors.</summary>
    private sealed record GpuRow(string Device, string Name, double MemoryGiB, string? Compute, double? PowerW, int? SmClockMHz, int? TemperatureC, double? MemoryUsedGiB);

    public static RecordView Of(GpuInventory inventory)
    {
        if (!inventory.Any) return new RecordView("No GPU found", [new NoteBlock(Sentence(inventory.WhyNone ?? "no backend reported a device"))]);
        var rows = inventory.Gpus.Select(g => new GpuRow(g.Device, g.Name, GiB(g.MemoryTotalBytes), g.ComputeCapability,
            g.Telemetry is { } t ? Math.Round(t.PowerWatts, 1) : null, g.Telemetry?.SmClockMHz, g.Telemetry?.TemperatureC,
            g.Telemetry is { } u ? GiB(u.MemoryUsedBytes) : null)).ToArray();
        var title = inventory.Gpus.Count == 1 ? "1 GPU" : Invariant($"{inventory.Gpus.Count} GPUs");
        return new RecordView(title, [new TableBlock("GPUs and their sensors (NVML) now", rows)]);
    }

    private static string Sentence(string text) => char.ToUpperInvariant(text[0]) + text[1..] + ".";

    private static double GiB(long bytes) => Math.Round(bytes / (1024.0 * 1024 * 1024), 2);
}
