using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

public sealed class DeviceCatalogTests
{
    private static readonly GpuDevice FakeGpu = new("fake:0", "Fake GPU 80GB", 80L << 30, "9.0",
        new TelemetrySample(DateTimeOffset.UnixEpoch, 312.5, null, 1980, 61, 2L << 30, 80L << 30));

    [Fact]
    public void No_device_means_the_cpu_backend()
    {
        using var backend = new DeviceCatalog([]).CreateBackend(null);

        Assert.Equal("cpu", backend.Device);
    }

    [Fact]
    public void A_cuda_device_in_a_build_without_a_cuda_backend_is_an_error_that_says_so()
    {
        Rejection.Expect<InvalidOptionException>(() => new DeviceCatalog([]).CreateBackend("cuda:1"), "--device cuda:1", "no CUDA backend", "--device cpu");
    }

    [Fact]
    public void An_unknown_device_is_an_error_listing_the_known_ones()
    {
        Rejection.Expect<InvalidOptionException>(() => new DeviceCatalog([new FakeGpuProvider("fake")]).CreateBackend("tpu"), "'tpu'", "cpu", "fake:N");
    }

    [Fact]
    public void The_cpu_backend_refuses_a_16_bit_compute_type()
    {
        Rejection.Expect<InvalidOptionException>(() => new DeviceCatalog([]).CreateBackend("cpu", DType.BF16), "--dtype", "f32");
    }

    [Fact]
    public void A_gpu_device_goes_to_the_provider_of_its_prefix_with_its_ordinal_and_compute_type()
    {
        var provider = new FakeGpuProvider("fake");

        using var backend = new DeviceCatalog([provider]).CreateBackend("fake:3", DType.BF16);

        Assert.Equal([("fake:3", (DType?)DType.BF16)], provider.Requests);
    }

    [Fact]
    public void Without_providers_the_gpu_survey_finds_none_and_says_the_build_has_no_gpu_backend()
    {
        var inventory = new DeviceCatalog([]).SurveyGpus();

        Assert.False(inventory.Any);
        Assert.Contains("no GPU backend", inventory.WhyNone);
    }

    [Fact]
    public void The_gpu_survey_lists_what_providers_find_or_their_reasons_for_finding_nothing()
    {
        Assert.Equal([FakeGpu], new DeviceCatalog([new FakeGpuProvider("fake", FakeGpu)]).SurveyGpus().Gpus);
        Assert.Equal("the fake driver found no device", new DeviceCatalog([new FakeGpuProvider("fake")]).SurveyGpus().WhyNone);
    }

    [Fact]
    public void The_default_catalog_of_this_build_has_no_gpu_provider()
    {
        Assert.Empty(DeviceCatalog.Default.Providers);
    }

    [Theory]
    [InlineData("f32", DType.F32)]
    [InlineData("BF16", DType.BF16)]
    [InlineData("float16", DType.F16)]
    public void Compute_types_parse_in_their_usual_spellings(string text, DType expected)
    {
        Assert.Equal(expected, DeviceCatalog.ParseComputeType(text));
    }

    [Fact]
    public void An_unknown_compute_type_is_an_error_naming_the_accepted_ones()
    {
        Rejection.Expect<InvalidOptionException>(() => DeviceCatalog.ParseComputeType("int4"), "'int4'", "f32, bf16 or f16");
    }
}
