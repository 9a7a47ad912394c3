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
            Device  Name                   Memory (GiB)  Compute capability  Power (W)  SM clock (MHz)  Temperature (°C)  Memory used (GiB)
            ------  ---------------------  ------------  ------------------  ---------  --------------  ----------------  -----------------
            cuda:0  NVIDIA H100 80GB HBM3         79.65  9.0                     118.4            1980                34                  1
            """.ReplaceLineEndings("\n"),
            result.DisplayedText());
        Assert.Contains("<td style=\"text-align:left\">NVIDIA H100 80GB HBM3</td>", result.Displays()[0].Data[MimeTypes.Html]);
    }

    [Fact]
    public async Task Without_a_gpu_the_reason_is_one_line_and_the_folders_searched_come_with_details()
    {
        // The shape of NativeLibraries.NotFoundMessage: reason, the folders searched, what to do.
        var folders = string.Join(", ", Enumerable.Range(1, 20).Select(i => $"/opt/cuda-12.{i}/lib64"));
        var why = $"libcuda.so.1 / libcuda.so not found: LlmLab needs the CUDA driver library (installed with the NVIDIA driver). Looked in: {folders}. Install it, or set LLMLAB_CUDA_PATH to the folder that holds it.";
        var magics = new MagicRegistry();
        magics.Register(new LlmGpuMagic(new DeviceCatalog([new NoGpu(why)])));
        var session = await EngineSessions.StartAsync(magics);

        var brief = (await session.RunAsync("#!llm-gpu")).Succeeded();
        var detailed = (await session.RunAsync("#!llm-gpu --details")).Succeeded();

        Assert.Equal(
            "No GPU found\nlibcuda.so.1 / libcuda.so not found: LlmLab needs the CUDA driver library (installed with the NVIDIA driver). " +
            "Install it, or set LLMLAB_CUDA_PATH to the folder that holds it. (#!llm-gpu --details lists the folders searched.)",
            brief.DisplayedText());
        Assert.Equal("", brief.Stdout());
        Assert.Equal(why + "\n", detailed.Stdout());
    }

    private sealed class NoGpu(string why) : IGpuBackendProvider
    {
        public string DevicePrefix => "cuda";

        public IBackend CreateBackend(string device, DType? computeType) => new CpuBackend();

        public GpuInventory Survey() => new([], why);
    }

    private sealed class OneGpu(GpuDevice gpu) : IGpuBackendProvider
    {
        public string DevicePrefix => "cuda";

        public IBackend CreateBackend(string device, DType? computeType) => new CpuBackend();

        public GpuInventory Survey() => new([gpu], null);
    }
}
