using System.Reflection;
using System.Runtime.InteropServices;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests;

/// <summary>
/// llama.cpp's own C quantizers and dequantizers, called in <c>libggml-base.so</c> as LLamaSharp.Backend.Cpu ships
/// it: the reference LlmLab's codecs must reproduce byte for byte. <see cref="Quantize"/> is
/// <c>ggml_quantize_chunk</c> (what <c>llama-quantize</c> calls for every tensor); <see cref="Dequantize"/> is
/// <c>ggml_get_type_traits(type)->to_float</c> (ggml's <c>dequantize_row_*</c>).
/// </summary>
/// <remarks>
/// The library is loaded from this test assembly's output folder,
/// <c>runtimes/linux-x64/native/&lt;variant&gt;/libggml-base.so</c>. The four variants (noavx, avx, avx2, avx512)
/// carry the same libggml-base.so (the SIMD code lives in libggml-cpu.so, which is not used here), so the plain
/// one is preferred: results then do not depend on the machine's CPU. ggml aborts the process on a failed
/// <c>GGML_ASSERT</c>, so every argument is checked here before the call. <c>ggml_quantize_chunk</c> calls
/// <c>ggml_quantize_init</c> itself (only the IQ1/IQ2/IQ3 grids need it), so no separate init is exposed.
/// <para>
/// LLamaSharp 0.30.0 ships llama.cpp 815a2a5915f2 (its README's table; <see cref="Commit"/> reports "815a2a591",
/// ggml 0.18.0); the nuspec's release note still names c0c7e147, the commit of 0.28.0. The C sources read while
/// writing LlmLab's codecs are ggml-org/ggml's ggml-quants.c as synced on 2026-08-21, which matches that build.
/// </para>
/// </remarks>
public static unsafe partial class GgmlReference
{
    private const string LibraryName = "ggml-base";
    private const string FileName = "libggml-base.so";

    // Preference order; the first present is loaded. All four hold the same libggml-base.so.
    private static readonly string[] Variants = ["noavx", "avx", "avx2", "avx512"];

    private static readonly Lazy<string> Located = new(FindLibrary);
    private static readonly Lazy<nint> Handle = new(Load);

    static GgmlReference() => NativeLibrary.SetDllImportResolver(typeof(GgmlReference).Assembly, Resolve);

    /// <summary>The full path of the libggml-base.so these tests call.</summary>
    public static string LibraryPath => Located.Value;

    /// <summary>The llama.cpp commit the library was built from (<c>ggml_commit()</c>), e.g. "815a2a591".</summary>
    public static string Commit => Marshal.PtrToStringUTF8(ggml_commit()) ?? "";

    /// <summary>ggml's version string (<c>ggml_version()</c>).</summary>
    public static string Version => Marshal.PtrToStringUTF8(ggml_version()) ?? "";

    /// <summary>
    /// Quantizes <paramref name="rows"/> rows of <paramref name="rowLength"/> values laid end to end, as
    /// <c>ggml_quantize_chunk(type, values, dst, 0, rows, rowLength, importance)</c> does; without an importance
    /// matrix that is ggml's reference quantizer (what <c>llama-quantize</c> writes without <c>--imatrix</c>).
    /// </summary>
    /// <param name="format">A ggml block or float format (Q8_0, Q4_K, IQ4_XS, F16, …).</param>
    /// <param name="values">rows × rowLength fp32 values.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="rowLength">Elements per row; a whole number of the format's blocks.</param>
    /// <param name="importance">Optional importance matrix: one weight per column (rowLength values).</param>
    /// <returns>rows × RowBytes(rowLength) bytes.</returns>
    public static byte[] Quantize(TensorFormat format, float[] values, int rows, int rowLength, float[]? importance = null)
    {
        int type = GgmlTypeOf(format);
        if (rows <= 0 || rowLength <= 0)
            throw new ArgumentException($"ggml_quantize_chunk({format}): {rows} rows of {rowLength} values; both must be positive");
        if (!format.DividesRow(rowLength))
            throw new ArgumentException($"ggml_quantize_chunk({format}): a row of {rowLength} values is not a whole number of {format.BlockLength()}-element blocks");
        if ((long)rows * rowLength != values.Length)
            throw new ArgumentException($"ggml_quantize_chunk({format}): {values.Length} values are not {rows} rows of {rowLength}");
        if (importance is not null && importance.Length != rowLength)
            throw new ArgumentException($"ggml_quantize_chunk({format}): the importance matrix has {importance.Length} values, not one per column ({rowLength})");
        if (importance is null && ggml_quantize_requires_imatrix(type))
            throw new ArgumentException($"ggml_quantize_chunk({format}): ggml quantizes this type only with an importance matrix");
        CheckTraits(format, type);

        var blocks = new byte[checked(rows * format.RowBytes(rowLength))];
        nuint written;
        fixed (float* src = values)
        fixed (byte* dst = blocks)
        fixed (float* imatrix = importance)
            written = ggml_quantize_chunk(type, src, dst, 0, rows, rowLength, imatrix);
        if (written != (nuint)blocks.Length)
            throw new InvalidOperationException($"ggml_quantize_chunk({format}) wrote {written} bytes, not {blocks.Length}");
        return blocks;
    }

    /// <summary>Decodes <paramref name="elements"/> values of <paramref name="format"/> with ggml's <c>to_float</c>.</summary>
    /// <param name="format">A ggml block or float format.</param>
    /// <param name="blocks">Exactly RowBytes(elements) bytes.</param>
    /// <param name="elements">A whole number of the format's blocks.</param>
    public static float[] Dequantize(TensorFormat format, byte[] blocks, int elements)
    {
        int type = GgmlTypeOf(format);
        if (elements <= 0 || !format.DividesRow(elements))
            throw new ArgumentException($"{format} to_float: {elements} elements are not a whole number of {format.BlockLength()}-element blocks");
        if (format.RowBytes(elements) != blocks.Length)
            throw new ArgumentException($"{format} to_float: {elements} elements take {format.RowBytes(elements)} bytes, not {blocks.Length}");
        var traits = CheckTraits(format, type);
        if (traits->ToFloat == 0)
            throw new NotSupportedException($"ggml has no to_float for {format} (type {type})");

        var values = new float[elements];
        var toFloat = (delegate* unmanaged[Cdecl]<byte*, float*, long, void>)traits->ToFloat;
        fixed (byte* src = blocks)
        fixed (float* dst = values)
            toFloat(src, dst, elements);
        return values;
    }

    private static int GgmlTypeOf(TensorFormat format) =>
        format.GgmlType() ?? throw new ArgumentException($"{format} has no ggml type id", nameof(format));

    // ggml's traits must agree with LlmLab's block geometry; a mismatch means the struct layout below no longer
    // matches the library (or the format table is wrong), and nothing read through it can be trusted.
    private static TypeTraits* CheckTraits(TensorFormat format, int type)
    {
        var traits = ggml_get_type_traits(type);
        if (traits is null || traits->BlockSize != format.BlockLength() || traits->TypeSize != (nuint)format.BytesPerBlock())
            throw new InvalidOperationException(
                $"{LibraryPath}: ggml_type_traits of {format} (type {type}) reads block {(traits is null ? 0 : traits->BlockSize)} elements / "
                + $"{(traits is null ? 0 : traits->TypeSize)} bytes, LlmLab has {format.BlockLength()} / {format.BytesPerBlock()}; "
                + "the struct layout in GgmlReference no longer matches this ggml build");
        return traits;
    }

    private static string FindLibrary()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        foreach (var variant in Variants)
        {
            string path = Path.Combine(native, variant, FileName);
            if (File.Exists(path)) return path;
        }
        throw new DllNotFoundException(
            $"{FileName} not found under {native}/{{{string.Join(",", Variants)}}}: the tests need LLamaSharp.Backend.Cpu's "
            + "linux-x64 natives in the output folder (restore and build tests/LlmLab.LlamaCpp.Tests on Linux x64)");
    }

    private static nint Load()
    {
        try { return NativeLibrary.Load(LibraryPath); }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException($"{LibraryPath} did not load ({e.Message}); it needs libgomp.so.1 and libstdc++.so.6", e);
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? Handle.Value : name == GgmlCpuReference.LibraryName ? GgmlCpuReference.Handle : 0;

    // struct ggml_type_traits (ggml/include/ggml.h at the shipped commit): type_name, blck_size,
    // blck_size_interleave, type_size, is_quantized, to_float, from_float_ref.
    [StructLayout(LayoutKind.Sequential)]
    private struct TypeTraits
    {
        public nint TypeName;
        public long BlockSize;
        public long BlockSizeInterleave;
        public nuint TypeSize;
        public byte IsQuantized;
        public nint ToFloat;
        public nint FromFloatRef;
    }

    [LibraryImport(LibraryName)]
    private static partial nuint ggml_quantize_chunk(int type, float* src, byte* dst, long start, long nrows, long nPerRow, float* imatrix);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool ggml_quantize_requires_imatrix(int type);

    [LibraryImport(LibraryName)]
    private static partial TypeTraits* ggml_get_type_traits(int type);

    [LibraryImport(LibraryName)]
    private static partial nint ggml_commit();

    [LibraryImport(LibraryName)]
    private static partial nint ggml_version();
}
