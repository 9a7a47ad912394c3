using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Magics;
using LlmLab.Notebooks.Tests.Execution;
using LlmLab.Tensors;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmGpuMagicTests
{
    [Fact]
    public async Task On_a_build_without_a_gpu_backend_it_says_plainly_that_no_gpu_was_found()
    {
        var session = await EngineSessions.StartAsync();

        var result = (await session.RunAsync("#!llm-gpu")).Succeeded();

        Assert.Equal("No GPU found\nThis build has no GPU backend (LlmLab.Cuda is not beside LlmLab), so everything runs on the CPU.", result.DisplayedText());
    }

    [Fact]
    public async Task With_a_gpu_backend_it_lists_each_gpu_with_its_sensor_reading()
    {
        var gpu = new GpuDevice("cuda:0", "NVIDIA H100 80GB HBM3", 85_520_809_984, "9.0",
            new TelemetrySample(DateTimeOffset.UnixEpoch, 118.4, 1e6, 1980, 34, 1_073_741_824, 85_520_809_984));
        var magics = new MagicRegistry();
        magics.Register(new LlmGpuMagic(new DeviceCatalog([new OneGpu(gpu)])));
        var session = await EngineSessions.StartAsync(magics);

        var result = (await session.RunAsync("#!llm-gpu")).Succeeded();

        Assert.Equal(
            """
            1 GPU
            GPUs and their sensors (NVML) now:
            Device  Name                   MemoryGiB  Compute  PowerW  SmClockMHz  TemperatureC  MemoryUsedGiB
            ------  ---------------------  ---------  -------  ------  ----------  ------------  -------------
            cuda:0  NVIDIA H100 80GB HBM3      79.65  9.0       118.4        1980            34              1
            """.ReplaceLineEndings("\n"),
            result.DisplayedText());
        Assert.Contains("<td style=\"text-align:left\">NVIDIA H100 80GB HBM3</td>", result.Displays()[0].Data[MimeTypes.Html]);
    }

    private sealed class OneGpu(GpuDevice gpu) : IGpuBackendProvider
    {
        public string DevicePrefix => "cuda";

        public IBackend CreateBackend(string device, DType? computeType) => new CpuBackend();

        public GpuInventory Survey() => new([gpu], null);
    }
}
