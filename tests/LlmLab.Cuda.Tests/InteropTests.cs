using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.Tests;

/// <summary>Library lookup, error text and kernel-cache keys: these run everywhere, GPU or not.</summary>
public sealed class InteropTests
{
    [Fact]
    public void A_missing_library_is_named_with_every_place_looked()
    {
        var folders = new NativeLibraries.SearchFolders(["/nonexistent/override"], ["/nonexistent/cuda/lib64"]);
        var (handle, looked) = NativeLibraries.TryLoad(NvidiaLibrary.Nvrtc, ["libllmlab-missing.so.99"], folders);
        Assert.Equal(0, handle);
        Assert.Equal("/nonexistent/override", looked[0]);
        var message = NativeLibraries.NotFoundMessage(NvidiaLibrary.Nvrtc, ["libllmlab-missing.so.99"], looked);
        Assert.Contains("libllmlab-missing.so.99", message);
        Assert.Contains("NVRTC", message);
        Assert.Contains("/nonexistent/cuda/lib64", message);
        Assert.Contains("LD_LIBRARY_PATH", message);
        Assert.Contains(NativeLibraries.PathVariable, message);
    }

    [Fact]
    public void The_default_search_covers_the_toolkit_and_pip_wheel_folders()
    {
        var folders = NativeLibraries.DefaultFolders();
        Assert.Contains("/usr/local/cuda/lib64", folders.Known);
        Assert.Contains("/usr/local/nvidia/lib64", folders.Known);
    }

    [Fact]
    public void Availability_never_throws_and_explains_a_missing_gpu()
    {
        var reason = CudaBackend.Availability(out int count);
        Assert.True(reason is null ? count > 0 : count == 0);
        Assert.Equal(count, CudaBackend.DeviceCount());
    }

    [Fact]
    public void A_failed_call_is_named_without_its_arguments() =>
        Assert.Equal("cuMemAlloc_v2", CudaException.CallName("CudaDriver.cuMemAlloc_v2(out var pointer, (nuint)Math.Max(bytes, 1))"));

    [Fact]
    public void Device_names_parse_as_cuda_or_cuda_n()
    {
        Assert.Equal(0, CudaBackend.ParseDevice("cuda"));
        Assert.Equal(3, CudaBackend.ParseDevice("cuda:3"));
        Assert.Throws<InvalidOptionException>(() => CudaBackend.ParseDevice("cpu"));
        Assert.Throws<InvalidOptionException>(() => CudaBackend.ParseDevice("cuda:-1"));
    }

    [Fact]
    public void Kernel_sources_are_embedded_and_the_cache_key_follows_every_input()
    {
        Assert.Contains("decode_attention", KernelCompiler.Source("attention_decode.cu"));
        Assert.Contains("HEAD_DIM", KernelCompiler.Source("attention.cuh"));
        Assert.Contains("ACT_TYPE", KernelCompiler.Source("common.cuh"));
        string key = KernelCompiler.CacheKey("a.cu", "src", ["hdr"], ["--gpu-architecture=sm_90"], "13.0");
        Assert.Equal(key, KernelCompiler.CacheKey("a.cu", "src", ["hdr"], ["--gpu-architecture=sm_90"], "13.0"));
        Assert.NotEqual(key, KernelCompiler.CacheKey("a.cu", "src", ["hdr"], ["--gpu-architecture=sm_80"], "13.0"));
        Assert.NotEqual(key, KernelCompiler.CacheKey("a.cu", "src2", ["hdr"], ["--gpu-architecture=sm_90"], "13.0"));
        Assert.NotEqual(key, KernelCompiler.CacheKey("a.cu", "src", ["hdr"], ["--gpu-architecture=sm_90"], "12.8"));
    }
}
