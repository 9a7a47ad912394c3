using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmLab.Cuda.Interop;

/// <summary>
/// The CUDA driver API calls LlmLab uses (cuda.h). Results are CUresult codes: check every one with
/// <see cref="Check"/>. Device pointers (CUdeviceptr) are <c>ulong</c>; contexts, streams, modules,
/// functions, events and graphs are opaque <c>nint</c> handles, owned by the SafeHandles in SafeHandles/.
/// </summary>
internal static unsafe partial class CudaDriver
{
    private const string Lib = NativeLibraries.DriverName;

    public const int Success = 0;
    public const int ErrorOutOfMemory = 2;
    public const int ErrorNoDevice = 100;

    // CUdevice_attribute values used.
    public const int AttributeMaxThreadsPerBlock = 1;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeL2CacheSize = 38;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int AttributeMaxSharedMemoryPerBlockOptin = 97;

    public const uint StreamNonBlocking = 1;
    public const uint EventDefault = 0;
    public const uint EventDisableTiming = 2;
    /// <summary>CU_STREAM_CAPTURE_MODE_RELAXED: the capturing thread may still allocate (lazily sized scratch).</summary>
    public const int CaptureModeRelaxed = 2;
    /// <summary>CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.</summary>
    public const int FuncAttributeMaxDynamicSharedBytes = 8;
    /// <summary>CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION (programmatic dependent launch, sm_90+).</summary>
    public const int LaunchAttributeProgrammaticStreamSerialization = 6;
    /// <summary>CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION (thread-block clusters, sm_90+).</summary>
    public const int LaunchAttributeClusterDimension = 4;
    /// <summary>CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED (clusters of more than 8 blocks).</summary>
    public const int FuncAttributeNonPortableClusterSizeAllowed = 14;

    [LibraryImport(Lib)] public static partial int cuInit(uint flags);
    [LibraryImport(Lib)] public static partial int cuDriverGetVersion(out int version);
    [LibraryImport(Lib)] public static partial int cuGetErrorName(int error, out nint name);
    [LibraryImport(Lib)] public static partial int cuGetErrorString(int error, out nint text);

    [LibraryImport(Lib)] public static partial int cuDeviceGetCount(out int count);
    [LibraryImport(Lib)] public static partial int cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Lib)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] public static partial int cuDeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(Lib)] public static partial int cuDeviceTotalMem_v2(out nuint bytes, int device);
    [LibraryImport(Lib)] public static partial int cuDeviceGetPCIBusId(byte* busId, int length, int device);

    [LibraryImport(Lib)] public static partial int cuDevicePrimaryCtxRetain(out nint context, int device);
    [LibraryImport(Lib)] public static partial int cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Lib)] public static partial int cuCtxSetCurrent(nint context);
    [LibraryImport(Lib)] public static partial int cuCtxGetCurrent(out nint context);
    [LibraryImport(Lib)] public static partial int cuCtxPushCurrent_v2(nint context);
    [LibraryImport(Lib)] public static partial int cuCtxPopCurrent_v2(out nint context);

    [LibraryImport(Lib)] public static partial int cuMemGetInfo_v2(out nuint free, out nuint total);
    [LibraryImport(Lib)] public static partial int cuMemAlloc_v2(out ulong pointer, nuint bytes);
    [LibraryImport(Lib)] public static partial int cuMemFree_v2(ulong pointer);
    [LibraryImport(Lib)] public static partial int cuMemAllocHost_v2(out nint pointer, nuint bytes);
    [LibraryImport(Lib)] public static partial int cuMemFreeHost(nint pointer);
    [LibraryImport(Lib)] public static partial int cuMemHostGetDevicePointer_v2(out ulong device, nint host, uint flags);
    [LibraryImport(Lib)] public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial int cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial int cuMemcpyPeerAsync(ulong destination, nint destinationContext, ulong source, nint sourceContext, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(Lib)] public static partial int cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Lib)] public static partial int cuStreamDestroy_v2(nint stream);
    [LibraryImport(Lib)] public static partial int cuStreamSynchronize(nint stream);
    [LibraryImport(Lib)] public static partial int cuStreamBeginCapture_v2(nint stream, int mode);
    [LibraryImport(Lib)] public static partial int cuStreamEndCapture(nint stream, out nint graph);

    [LibraryImport(Lib)] public static partial int cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);
    [LibraryImport(Lib)] public static partial int cuGraphLaunch(nint graphExec, nint stream);
    [LibraryImport(Lib)] public static partial int cuGraphExecDestroy(nint graphExec);
    [LibraryImport(Lib)] public static partial int cuGraphDestroy(nint graph);

    [LibraryImport(Lib)] public static partial int cuEventCreate(out nint evt, uint flags);
    [LibraryImport(Lib)] public static partial int cuEventDestroy_v2(nint evt);
    [LibraryImport(Lib)] public static partial int cuEventRecord(nint evt, nint stream);
    [LibraryImport(Lib)] public static partial int cuEventSynchronize(nint evt);
    [LibraryImport(Lib)] public static partial int cuEventElapsedTime(out float milliseconds, nint start, nint end);

    [LibraryImport(Lib)] public static partial int cuModuleLoadData(out nint module, void* image);
    [LibraryImport(Lib)] public static partial int cuModuleUnload(nint module);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int cuModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(Lib)] public static partial int cuFuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(Lib)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(Lib)] public static partial int cuLaunchKernelEx(LaunchConfig* config, nint function, void** parameters, void** extra);

    /// <summary>CUlaunchConfig (cuda.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LaunchConfig
    {
        public uint GridX, GridY, GridZ, BlockX, BlockY, BlockZ, SharedBytes;
        public nint Stream;
        public LaunchAttribute* Attributes;
        public uint AttributeCount;
    }

    /// <summary>CUlaunchAttribute: an id, padding to 8 bytes, and a 64-byte value union.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    public struct LaunchAttribute
    {
            [FieldOffset(0)] public int Id;
        [FieldOffset(8)] public int Value;
        /// <summary>The second and third words of the value (a cluster's y and z).</summary>
        [FieldOffset(12)] public int Value2;
        [FieldOffset(16)] public int Value3;
    }

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="result"/> is CUDA_SUCCESS; the message names the call.</summary>
    public static void Check(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != Success) throw new CudaException(CudaException.CallName(call), result, ErrorName(result), ErrorText(result));
    }

    public static string ErrorName(int result) =>
        cuGetErrorName(result, out var p) == Success && p != 0 ? Marshal.PtrToStringUTF8(p) ?? "?" : $"CUresult {result}";

    public static string ErrorText(int result) =>
        cuGetErrorString(result, out var p) == Success && p != 0 ? Marshal.PtrToStringUTF8(p) ?? "" : "unknown error";
}
