using LlmLab.Backends;

namespace LlmLab.Tests.Backends;

/// <summary>The one free-memory check (MemoryFit) every device reports through.</summary>
public sealed class MemoryFitTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void A_plan_within_the_free_memory_passes()
    {
        MemoryFit.Check("cuda:0", new MemoryPlan(4 * GiB, 2 * GiB, GiB), 8 * GiB, 80 * GiB);
        Assert.True(MemoryFit.Fits(new MemoryPlan(4 * GiB, 2 * GiB, GiB), 7 * GiB));
    }

    [Fact]
    public void A_plan_too_large_names_the_device_each_part_what_is_free_and_how_many_tokens_would_fit()
    {
        var plan = new MemoryPlan(4 * GiB, 8 * GiB, GiB, KvBytesPerToken: 1 << 20);

        var e = Assert.Throws<OutOfDeviceMemoryException>(() => MemoryFit.Check("cuda:1", plan, 7 * GiB, 80 * GiB));

        Assert.Equal("cuda:1: needs 13.00 GiB (weights 4.00 GiB + KV cache 8.00 GiB + workspace 1.00 GiB), 7.00 GiB free of 80.00 GiB: " +
                     "a KV cache of about 2048 tokens (batch × context) would fit: use a shorter context or a smaller batch", e.Message);
    }

    [Fact]
    public void Weights_larger_than_the_free_memory_ask_for_a_smaller_model()
    {
        var e = Assert.Throws<OutOfDeviceMemoryException>(() => MemoryFit.Check("cuda:0", new MemoryPlan(20 * GiB, GiB, GiB, 1 << 20), 16 * GiB, 24 * GiB));
        Assert.EndsWith("the weights alone need 20.00 GiB: use a smaller model, or a device with more memory", e.Message);
    }

    [Fact]
    public void What_the_process_already_holds_is_named_by_category()
    {
        var ledger = new MemoryLedger("cuda:0");
        ledger.Add(MemoryCategory.Weights, 3 * GiB);
        ledger.Add(MemoryCategory.Activations, GiB / 2);

        string message = MemoryFit.Message("cuda:0", new MemoryPlan(0, 2 * GiB, 0), GiB, 24 * GiB, ledger);

        Assert.Contains("; LlmLab holds 3.50 GiB there (weights 3.00 GiB, activations and workspace 512.00 MiB):", message);
        Assert.StartsWith("cuda:0: needs 2.00 GiB (KV cache 2.00 GiB), 1.00 GiB free of 24.00 GiB", message);
    }

    [Fact]
    public void A_memory_report_carries_the_ledger_by_category_and_its_peak()
    {
        var ledger = new MemoryLedger("cpu");
        ledger.Add(MemoryCategory.Weights, 100);
        ledger.Add(MemoryCategory.KvCache, 40);
        ledger.Add(MemoryCategory.Activations, 30);
        ledger.Remove(MemoryCategory.Activations, 30);

        var report = ledger.Report(driverFreeBytes: 1000, driverTotalBytes: 4000, driverFreeAtStartBytes: 1200);

        Assert.Equal(new MemoryReport("cpu", 100, 40, 0, 0, 140, 170, 1000, 4000, 1200), report);
    }
}
