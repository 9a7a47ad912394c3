namespace LlmLab.Backends;

/// <summary>
/// The one free-memory check: a <see cref="MemoryPlan"/> against the bytes a device has free, refused with one message
/// that says what is needed (by category), what is free, what LlmLab already holds there, and what would fit. The
/// pre-load plan check, the KV-cache check and a failed device allocation all report through it.
/// </summary>
public static class MemoryFit
{
    /// <summary>True when <paramref name="plan"/> fits in <paramref name="freeBytes"/>.</summary>
    public static bool Fits(MemoryPlan plan, long freeBytes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.TotalBytes <= freeBytes;
    }

    /// <summary>
    /// Throws <see cref="OutOfDeviceMemoryException"/> when <paramref name="plan"/> does not fit the
    /// <paramref name="freeBytes"/> of <paramref name="totalBytes"/> free on <paramref name="device"/>; <paramref name="held"/>,
    /// when given, is what this process already holds there (named in the message).
    /// </summary>
    public static void Check(string device, MemoryPlan plan, long freeBytes, long totalBytes, MemoryLedger? held = null)
    {
        if (Fits(plan, freeBytes)) return;
        throw new OutOfDeviceMemoryException(Message(device, plan, freeBytes, totalBytes, held));
    }

    /// <summary>
    /// "<c>cuda:0: needs 18.50 GiB (weights 15.00 GiB + KV cache 3.00 GiB + workspace 1.50 GiB), 16.00 GiB free of 79.19 GiB:
    /// the weights fit with a KV cache of about 9000 tokens (batch × context), which would fit: …</c>" on one line;
    /// <paramref name="advice"/>, when given, replaces the generic advice with what the caller computed would fit (the
    /// planner's fewer GPU layers, smaller quant or shorter context).
    /// </summary>
    public static string Message(string device, MemoryPlan plan, long freeBytes, long totalBytes, MemoryLedger? held = null, string? advice = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var parts = new List<string>();
        if (plan.WeightBytes > 0) parts.Add($"weights {ByteCount.Format(plan.WeightBytes)}");
        if (plan.KvCacheBytes > 0) parts.Add($"KV cache {ByteCount.Format(plan.KvCacheBytes)}");
        if (plan.WorkspaceBytes > 0) parts.Add($"workspace {ByteCount.Format(plan.WorkspaceBytes)}");
        if (plan.OverheadBytes > 0) parts.Add($"runtime overhead {ByteCount.Format(plan.OverheadBytes)}");
        string holding = held is { Total: > 0 } ? $"; LlmLab holds {ByteCount.Format(held.Total)} there ({Breakdown(held)})" : "";
        long room = freeBytes - plan.WeightBytes - plan.WorkspaceBytes - plan.OverheadBytes;
        advice ??= room > 0 && plan.KvBytesPerToken > 0
            ? $"a KV cache of about {room / plan.KvBytesPerToken} tokens (batch × context) would fit: use a shorter context or a smaller batch"
            : plan.WeightBytes > freeBytes
                ? $"the weights alone need {ByteCount.Format(plan.WeightBytes)}: use a smaller model, or a device with more memory"
                : "use a shorter context, a smaller batch, or a smaller model";
        return $"{device}: needs {ByteCount.Format(plan.TotalBytes)} ({string.Join(" + ", parts)}), {ByteCount.Format(freeBytes)} free of {ByteCount.Format(totalBytes)}{holding}: {advice}";
    }

    private static string Breakdown(MemoryLedger ledger) =>
        string.Join(", ", ledger.Snapshot().Where(kv => kv.Value > 0).Select(kv => $"{Name(kv.Key)} {ByteCount.Format(kv.Value)}"));

    private static string Name(MemoryCategory category) => category switch
    {
        MemoryCategory.Weights => "weights",
        MemoryCategory.KvCache => "KV cache",
        MemoryCategory.Activations => "activations and workspace",
        _ => "tables and buffers",
    };
}
