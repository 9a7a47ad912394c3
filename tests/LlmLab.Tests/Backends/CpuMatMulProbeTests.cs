using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>The prefill matmul probe: a finite rate for each format the CPU backend multiplies, bounded sizes, and clear refusals.</summary>
public sealed class CpuMatMulProbeTests
{
    [Theory]
    [InlineData(TensorFormat.F32)]
    [InlineData(TensorFormat.BF16)]
    [InlineData(TensorFormat.F16)]
    [InlineData(TensorFormat.Q8_0)]
    [InlineData(TensorFormat.Q4_K)]
    [InlineData(TensorFormat.Q6_K)]
    public void Each_format_the_backend_multiplies_gives_a_finite_positive_rate(TensorFormat format)
    {
        double rate = CpuMatMulProbe.MeasureFlopsPerSecond(format, 64, 256, 8, TimeSpan.Zero);

        Assert.True(double.IsFinite(rate) && rate > 0, $"{format}: {rate}");
    }

    [Fact]
    public void A_weight_taller_than_the_byte_limit_is_cut_to_it()
    {
        // BF16 rows of 8192 elements are 16 KiB: 64 MiB holds 4096 of them.
        Assert.Equal(4096, CpuMatMulProbe.ProbedRows(TensorFormat.BF16, 1 << 20, 8192));
        Assert.Equal(100, CpuMatMulProbe.ProbedRows(TensorFormat.BF16, 100, 8192));
    }

    [Fact]
    public void Columns_that_are_not_whole_blocks_are_refused_naming_the_format()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuMatMulProbe.MeasureFlopsPerSecond(TensorFormat.Q4_K, 16, 688, 4, TimeSpan.Zero));

        Assert.Contains("not whole Q4_K blocks of 256", e.Message);
    }

    [Fact]
    public void Sizes_below_one_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CpuMatMulProbe.MeasureFlopsPerSecond(TensorFormat.BF16, 0, 256, 4, TimeSpan.Zero));
    }
}
