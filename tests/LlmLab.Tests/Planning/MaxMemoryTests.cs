using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary><c>--max-memory</c> parsed as accelerate's <c>max_memory</c> strings (convert_file_size_to_int): units, devices, and one line per mistake.</summary>
public sealed class MaxMemoryTests
{
    [Fact]
    public void Binary_and_decimal_units_and_accelerates_integer_gpu_keys_parse_to_bytes()
    {
        var budgets = MaxMemory.Parse("cuda:0=20GiB, 1=1.5GB, cpu=512MiB, cuda:2=100B", gpuCount: 3);

        Assert.Equal(20L << 30, budgets["cuda:0"]);
        Assert.Equal(1_500_000_000, budgets["cuda:1"]);
        Assert.Equal(512L << 20, budgets["cpu"]);
        Assert.Equal(100, budgets["cuda:2"]);
    }

    [Fact]
    public void Cuda_alone_is_cuda_0_and_units_ignore_case()
    {
        Assert.Equal(2L << 30, MaxMemory.Parse("cuda=2gib", gpuCount: null)["cuda:0"]);
    }

    [Theory]
    [InlineData("", "--max-memory is empty; give DEVICE=SIZE pairs")]
    [InlineData("cuda:0:20GiB", "--max-memory entry 'cuda:0:20GiB' is not DEVICE=SIZE")]
    [InlineData("cuda:0=20", "--max-memory entry 'cuda:0=20': size '20' needs a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)")]
    [InlineData("cuda:0=20XB", "--max-memory entry 'cuda:0=20XB': '20X' is not a number")]
    [InlineData("cuda:0=twentyGiB", "--max-memory entry 'cuda:0=twentyGiB': 'twenty' is not a number")]
    [InlineData("cuda:0=-2GiB", "--max-memory entry 'cuda:0=-2GiB': the size must not be negative")]
    [InlineData("cuda:0=2000TiB", "--max-memory entry 'cuda:0=2000TiB' is above 1024 TiB")]
    [InlineData("tpu:0=2GiB", "--max-memory entry 'tpu:0=2GiB': device 'tpu:0' is not known; use cpu, cuda or cuda:N")]
    [InlineData("cuda:2=2GiB", "--max-memory entry 'cuda:2=2GiB': device 'cuda:2' is beyond the 2 GPUs given")]
    [InlineData("cuda:0=1GiB,cuda=2GiB", "--max-memory names cuda:0 twice ('cuda:0=1GiB,cuda=2GiB'); give each device once")]
    public void A_bad_budget_is_refused_with_one_line_naming_the_entry(string text, string start)
    {
        var e = Assert.Throws<InvalidOptionException>(() => MaxMemory.Parse(text, gpuCount: 2));

        Assert.StartsWith(start, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
