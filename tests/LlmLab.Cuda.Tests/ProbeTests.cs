namespace LlmLab.Cuda.Tests;

/// <summary>Telemetry (NVML) and the copy-bandwidth probe.</summary>
public sealed class ProbeTests
{
    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Telemetry_reads_plausible_sensor_values(int device)
    {
        using var gpu = Gpu.Open(device);
        var first = gpu.Sample();
        var second = gpu.Sample();
        Report.Line($"telemetry cuda:{device} {gpu.DeviceName}: {first.PowerWatts:0.0} W, energy {first.EnergyMillijoules} mJ, SM {first.SmClockMHz} MHz, {first.TemperatureC} °C, memory {first.MemoryUsedBytes >> 20} / {first.MemoryTotalBytes >> 20} MiB");
        Assert.False(string.IsNullOrWhiteSpace(gpu.DeviceName));
        Assert.InRange(first.PowerWatts, 1, 2000);
        Assert.InRange(first.TemperatureC, 1, 120);
        Assert.True(first.SmClockMHz > 0);
        Assert.True(first.MemoryTotalBytes > 0 && first.MemoryUsedBytes <= first.MemoryTotalBytes);
        if (first.EnergyMillijoules is { } a && second.EnergyMillijoules is { } b) Assert.True(b >= a);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void The_copy_probe_measures_a_plausible_bandwidth(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        double bandwidth = gpu.MeasureCopyBandwidth(1L << 30, 10);
        Report.Line($"bandwidth cuda:{device} {gpu.DeviceName}: {bandwidth / 1e9:0} GB/s (device-to-device copy of 1 GiB, read + write)");
        Assert.InRange(bandwidth, 50e9, 20e12);
        Assert.Equal(held, gpu.Memory.Total);
    }
}
