using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests;

/// <summary>
/// llama.cpp's CPU dot products, called in the <c>libggml-cpu.so</c> LLamaSharp.Backend.Cpu ships: for a weight
/// format, <c>ggml_get_type_traits_cpu(type)</c> names the activation type (<c>vec_dot_type</c>: Q8_0, Q8_1, Q8_K, F16,
/// BF16, F32), whose <c>from_float</c> quantizes an activation row, and the <c>vec_dot</c> that multiplies a weight row
/// with it. <see cref="MatMul"/> is therefore what llama.cpp's <c>ggml_mul_mat</c> computes per output on this CPU.
/// </summary>
/// <remarks>
/// The variant folder is the one LLamaSharp itself loads on this machine (avx512 where AVX-512F exists, then avx2, avx,
/// noavx), so the SIMD code is the code that runs in the forward-pass comparisons. Its libggml-base.so dependency is the
/// one <see cref="GgmlReference"/> already loaded (same soname; all variants ship the same file).
/// </remarks>
public static unsafe partial class GgmlCpuReference
{
    internal const string LibraryName = "ggml-cpu";
    private const string FileName = "libggml-cpu.so";

    private static readonly Lazy<nint> Loaded = new(Load);

    /// <summary>The variant folder loaded: avx512, avx2, avx or noavx.</summary>
    public static string Variant =>
        Avx512F.IsSupported ? "avx512" : Avx2.IsSupported ? "avx2" : Avx.IsSupported ? "avx" : "noavx";

    /// <summary>The library's handle (loads it and runs <c>ggml_cpu_init</c> once).</summary>
    internal static nint Handle => Loaded.Value;

    /// <summary>
    /// y[i, j] = ggml's vec_dot of weight row j with activation row i quantized by the vec_dot_type's from_float.
    /// </summary>
    /// <param name="format">The weights' format (a ggml type).</param>
    /// <param name="weights">outputs × RowBytes(k) bytes.</param>
    /// <param name="outputs">Weight rows.</param>
    /// <param name="k">Elements per row.</param>
    /// <param name="x">rows × k activations.</param>
    /// <param name="rows">Activation rows.</param>
    /// <returns>rows × outputs.</returns>
    public static float[] MatMul(TensorFormat format, byte[] weights, int outputs, int k, float[] x, int rows)
    {
        int type = format.GgmlType() ?? throw new ArgumentException($"{format} has no ggml type id", nameof(format));
        if (outputs <= 0 || rows <= 0 || !format.DividesRow(k))
            throw new ArgumentException($"vec_dot({format}): {outputs} × {k} weights, {rows} activation rows; rows must be whole blocks");
        long rowBytes = format.RowBytes(k);
        if (weights.Length != outputs * rowBytes || x.Length != (long)rows * k)
            throw new ArgumentException($"vec_dot({format}): {weights.Length} weight bytes / {x.Length} activations do not match the shapes");
        _ = Handle;
        var traits = ggml_get_type_traits_cpu(type);
        if (traits is null || traits->VecDot == 0)
            throw new NotSupportedException($"{FileName} has no vec_dot for {format}");
        var activation = ggml_get_type_traits_cpu(traits->VecDotType);
        if (activation is null || activation->FromFloat == 0)
            throw new NotSupportedException($"{FileName} has no from_float for the activation type {traits->VecDotType} of {format}");
        long quantizedRow = (long)ggml_row_size(traits->VecDotType, k);

        var fromFloat = (delegate* unmanaged[Cdecl]<float*, byte*, long, void>)activation->FromFloat;
        var vecDot = (delegate* unmanaged[Cdecl]<int, float*, nuint, byte*, nuint, byte*, nuint, int, void>)traits->VecDot;
        var y = new float[rows * outputs];
        var q = new byte[quantizedRow + 64];
        fixed (float* xp = x)
        fixed (byte* wp = weights, qp = q)
        fixed (float* yp = y)
            for (int i = 0; i < rows; i++)
            {
                fromFloat(xp + (long)i * k, qp, k);
                for (int j = 0; j < outputs; j++)
                    vecDot(k, yp + (long)i * outputs + j, 0, wp + j * rowBytes, 0, qp, 0, 1);
            }
        return y;
    }

    /// <summary>The activation type llama.cpp pairs with <paramref name="format"/> (its ggml type id).</summary>
    public static int VecDotType(TensorFormat format)
    {
        _ = Handle;
        var traits = ggml_get_type_traits_cpu(format.GgmlType() ?? throw new ArgumentException($"{format} has no ggml type id"));
        return traits is null ? -1 : traits->VecDotType;
    }

    private static nint Load()
    {
        _ = GgmlReference.LibraryPath;   // its resolver serves both libraries, and libggml-base.so must load first
        NativeLibrary.Load(GgmlReference.LibraryPath);
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", Variant, FileName);
        if (!File.Exists(path))
            throw new DllNotFoundException($"{path} not found: the tests need LLamaSharp.Backend.Cpu's linux-x64 natives in the output folder");
        var handle = NativeLibrary.Load(path);
        ((delegate* unmanaged[Cdecl]<void>)NativeLibrary.GetExport(handle, "ggml_cpu_init"))();
        return handle;
    }

    // struct ggml_type_traits_cpu (ggml/include/ggml-cpu.h at the shipped commit): from_float, vec_dot, vec_dot_type, nrows.
    [StructLayout(LayoutKind.Sequential)]
    private struct TypeTraitsCpu
    {
        public nint FromFloat;
        public nint VecDot;
        public int VecDotType;
        public long Rows;
    }

    [LibraryImport(LibraryName)]
    private static partial TypeTraitsCpu* ggml_get_type_traits_cpu(int type);

    [LibraryImport("ggml-base")]
    private static partial nuint ggml_row_size(int type, long elements);
}
