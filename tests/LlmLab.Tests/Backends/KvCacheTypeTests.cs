using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary><see cref="KvCacheTypes"/>: the names <c>--kv-type</c> takes, and sizes from <see cref="TensorFormats"/>' block table.</summary>
public sealed class KvCacheTypeTests
{
    [Theory]
    [InlineData(null, KvCacheType.Default)]
    [InlineData("f32", KvCacheType.F32)]
    [InlineData("f16", KvCacheType.F16)]
    [InlineData("bf16", KvCacheType.BF16)]
    [InlineData("q8_0", KvCacheType.Q8_0)]
    [InlineData("Q4_0", KvCacheType.Q4_0)]
    [InlineData("fp8", KvCacheType.FP8)]
    [InlineData("F8_E4M3", KvCacheType.FP8)]
    public void Each_kv_type_name_parses_case_insensitively(string? name, KvCacheType expected) =>
        Assert.Equal(expected, KvCacheTypes.Parse(name));

    [Fact]
    public void An_unknown_name_is_refused_in_one_line_naming_the_option_and_the_choices()
    {
        var e = Rejection.Expect<InvalidOptionException>(() => KvCacheTypes.Parse("q4_k"), "--kv-type 'q4_k'", "f32,f16,bf16,q8_0,q4_0");
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Each_name_round_trips_through_its_command_line_spelling()
    {
        foreach (var type in Enum.GetValues<KvCacheType>())
            Assert.Equal(type, KvCacheTypes.Parse(type.Name()));
    }

    [Theory]
    [InlineData(KvCacheType.Default, TensorFormat.BF16, 8 * 128 * 2)]   // a GPU's own type: its compute type
    [InlineData(KvCacheType.Default, TensorFormat.F32, 8 * 128 * 4)]    // the CPU's
    [InlineData(KvCacheType.F16, TensorFormat.F32, 8 * 128 * 2)]
    [InlineData(KvCacheType.Q8_0, TensorFormat.F32, 8 * 4 * 34)]        // 8 heads × 4 blocks of 32
    [InlineData(KvCacheType.Q4_0, TensorFormat.BF16, 8 * 4 * 18)]
    [InlineData(KvCacheType.FP8, TensorFormat.BF16, 8 * (4 + 128))]    // 8 heads × (an fp32 scale + 128 E4M3 bytes)
    public void A_row_takes_the_bytes_of_its_format_blocks(KvCacheType type, TensorFormat backendDefault, int bytes) =>
        Assert.Equal(bytes, KvCacheTypes.RowBytes(type.Format(backendDefault), 8, 128));

    [Fact]
    public void A_shape_without_a_type_keeps_the_backend_default()
    {
        var shape = new KvCacheShape(2, 1, 16, 4, 32);
        Assert.Equal(KvCacheType.Default, shape.Type);
        Assert.Equal(16L * 4 * 32 * 4, shape.BytesPerLayer(TensorFormat.F32));
    }
}
