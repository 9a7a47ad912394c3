using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmLab.Cuda.Interop;

/// <summary>
/// cuBLASLt (cublasLt.h): D = α·op(A)·op(B) + β·C in column-major layouts, with tensor cores for
/// BF16/F16 inputs. Descriptors (matmul, layouts, preference) are created once per shape and cached.
/// </summary>
internal static unsafe partial class CublasLt
{
    private const string Lib = NativeLibraries.CublasLtName;

    public const int Success = 0;

    // cublasComputeType_t
    public const int Compute32F = 68;
    // cudaDataType_t
    public const int R32F = 0;
    public const int R16F = 2;
    public const int R16BF = 14;
    public const int R8FE4M3 = 28;
    // cublasOperation_t
    public const int OpN = 0;
    public const int OpT = 1;
    // cublasLtMatmulDescAttributes_t
    public const int DescTransA = 3;
    public const int DescTransB = 4;
    public const int DescAScalePointer = 17;
    public const int DescBScalePointer = 18;
    public const int DescAScaleMode = 31;
    public const int DescBScaleMode = 32;
    // cublasLtMatmulMatrixScale_t: one fp32 scale per row of op(A) / per column of op(B) (cuBLAS 12.9+, FP8 on sm_90+)
    public const int ScaleOuterVec32F = 3;
    // cublasLtMatrixLayoutAttribute_t
    public const int LayoutBatchCount = 5;
    public const int LayoutStridedBatchOffset = 6;
    // cublasLtMatmulPreferenceAttributes_t
    public const int PrefMaxWorkspaceBytes = 1;
    public const int PrefMinAlignmentA = 5;
    public const int PrefMinAlignmentB = 6;
    public const int PrefMinAlignmentC = 7;
    public const int PrefMinAlignmentD = 8;

    /// <summary>cublasLtMatmulAlgo_t: 8 opaque 64-bit words.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct Algo { public fixed ulong Words[8]; }

    /// <summary>cublasLtMatmulHeuristicResult_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct HeuristicResult
    {
        public Algo Algo;
        public nuint WorkspaceSize;
        public int State;
        public float WavesCount;
        public fixed int Reserved[4];
    }

    [LibraryImport(Lib)] public static partial int cublasLtCreate(out nint handle);
    [LibraryImport(Lib)] public static partial int cublasLtDestroy(nint handle);
    [LibraryImport(Lib)] public static partial nint cublasLtGetStatusName(int status);
    [LibraryImport(Lib)] public static partial nint cublasLtGetStatusString(int status);
    [LibraryImport(Lib)] public static partial nuint cublasLtGetVersion();

    [LibraryImport(Lib)] public static partial int cublasLtMatmulDescCreate(out nint desc, int computeType, int scaleType);
    [LibraryImport(Lib)] public static partial int cublasLtMatmulDescDestroy(nint desc);
    [LibraryImport(Lib)] public static partial int cublasLtMatmulDescSetAttribute(nint desc, int attribute, void* value, nuint size);

    [LibraryImport(Lib)] public static partial int cublasLtMatrixLayoutCreate(out nint layout, int type, ulong rows, ulong cols, long ld);
    [LibraryImport(Lib)] public static partial int cublasLtMatrixLayoutDestroy(nint layout);
    [LibraryImport(Lib)] public static partial int cublasLtMatrixLayoutSetAttribute(nint layout, int attribute, void* value, nuint size);

    [LibraryImport(Lib)] public static partial int cublasLtMatmulPreferenceCreate(out nint preference);
    [LibraryImport(Lib)] public static partial int cublasLtMatmulPreferenceDestroy(nint preference);
    [LibraryImport(Lib)] public static partial int cublasLtMatmulPreferenceSetAttribute(nint preference, int attribute, void* value, nuint size);

    [LibraryImport(Lib)]
    public static partial int cublasLtMatmulAlgoGetHeuristic(nint handle, nint desc, nint a, nint b, nint c, nint d, nint preference,
        int requested, HeuristicResult* results, out int returned);

    [LibraryImport(Lib)]
    public static partial int cublasLtMatmul(nint handle, nint desc, void* alpha, ulong a, nint aLayout, ulong b, nint bLayout, void* beta,
        ulong c, nint cLayout, ulong d, nint dLayout, Algo* algo, ulong workspace, nuint workspaceBytes, nint stream);

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="status"/> is CUBLAS_STATUS_SUCCESS.</summary>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == Success) return;
        var name = Marshal.PtrToStringUTF8(cublasLtGetStatusName(status)) ?? $"cublasStatus {status}";
        var text = Marshal.PtrToStringUTF8(cublasLtGetStatusString(status)) ?? "";
        throw new CudaException(CudaException.CallName(call), status, name, text);
    }
}
