using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmLab.Cuda.Interop;

/// <summary>NVRTC (nvrtc.h): compiles CUDA C++ source to a cubin (or PTX) for one architecture at run time.</summary>
internal static unsafe partial class Nvrtc
{
    private const string Lib = NativeLibraries.NvrtcName;

    public const int Success = 0;
    public const int ErrorCompilation = 6;

    [LibraryImport(Lib)] public static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)] public static partial int nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(Lib)] public static partial int nvrtcGetSupportedArchs(int* archs);
    [LibraryImport(Lib)] public static partial nint nvrtcGetErrorString(int result);

    [LibraryImport(Lib)]
    public static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] public static partial int nvrtcDestroyProgram(ref nint program);
    [LibraryImport(Lib)] public static partial int nvrtcCompileProgram(nint program, int optionCount, byte** options);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Lib)] public static partial int nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTXSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTX(nint program, byte* ptx);

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="result"/> is NVRTC_SUCCESS.</summary>
    public static void Check(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result == Success) return;
        var text = Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? $"nvrtcResult {result}";
        throw new CudaException(CudaException.CallName(call), result, text, "NVRTC");
    }
}
