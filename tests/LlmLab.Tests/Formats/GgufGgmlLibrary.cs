using System.Runtime.InteropServices;

namespace LlmLab.Tests.Formats;

/// <summary>
/// ggml's own GGUF reader and writer (ggml/src/gguf.cpp), called in <c>libggml-base.so</c> from the
/// LLamaSharp.Backend.Cpu 0.30.0 package (llama.cpp c0c7e147; the noavx build, so any x64 CPU runs it). The
/// reference implementation for the GGUF tests: files LlmLab writes must read in ggml with the same layout,
/// and files ggml writes must read in LlmLab. Loaded from the NuGet cache, so no project references it.
/// </summary>
internal static unsafe class GgufGgmlLibrary
{
    /// <summary>gguf.h's <c>gguf_init_params</c>: skip tensor data; where to put a ggml context (null: none).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitParams { public byte NoAlloc; public nint Context; }

    /// <summary>ggml.h's <c>ggml_init_params</c>: arena bytes, arena (null: ggml allocates), no tensor data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GgmlInitParams { public nuint MemSize; public nint MemBuffer; public byte NoAlloc; }

    private static readonly Lazy<nint> Library = new(Load);

    /// <summary>The library's path, or null where the package is not in the NuGet cache (or the machine is not linux-x64).</summary>
    public static string? Path { get; } = Locate();

    private static string? Locate()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string[] candidates =
        [
            System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "noavx", "libggml-base.so"),
            System.IO.Path.Combine(packages, "llamasharp.backend.cpu", "0.30.0", "LLamaSharpRuntimes", "linux-x64", "native", "noavx", "libggml-base.so"),
            System.IO.Path.Combine(packages, "llamasharp.backend.cpu", "0.30.0", "runtimes", "linux-x64", "native", "noavx", "libggml-base.so"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static nint Load() => NativeLibrary.Load(Path ?? throw new InvalidOperationException("libggml-base.so not found"));

    private static nint Fn(string name) => NativeLibrary.GetExport(Library.Value, name);

    /// <summary>Skips the calling test, with the reason, where the library is absent.</summary>
    public static void RequireLibrary()
    {
        if (Path is null)
            Assert.Skip("ggml's libggml-base.so (NuGet LLamaSharp.Backend.Cpu 0.30.0, linux-x64) is not in the NuGet cache; restore it to compare with ggml's GGUF code");
    }

    // ---- reading ----

    public static nint InitFromFile(string path) =>
        ((delegate* unmanaged<byte*, InitParams, nint>)Fn("gguf_init_from_file"))(Utf8(path), new InitParams { NoAlloc = 1, Context = 0 });

    public static void Free(nint ctx) => ((delegate* unmanaged<nint, void>)Fn("gguf_free"))(ctx);
    public static uint Version(nint ctx) => ((delegate* unmanaged<nint, uint>)Fn("gguf_get_version"))(ctx);
    public static long Alignment(nint ctx) => (long)((delegate* unmanaged<nint, nuint>)Fn("gguf_get_alignment"))(ctx);
    public static long DataOffset(nint ctx) => (long)((delegate* unmanaged<nint, nuint>)Fn("gguf_get_data_offset"))(ctx);
    public static long KeyCount(nint ctx) => ((delegate* unmanaged<nint, long>)Fn("gguf_get_n_kv"))(ctx);
    public static string Key(nint ctx, long i) => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, long, nint>)Fn("gguf_get_key"))(ctx, i))!;
    public static int KeyType(nint ctx, long i) => ((delegate* unmanaged<nint, long, int>)Fn("gguf_get_kv_type"))(ctx, i);
    public static int ArrayType(nint ctx, long i) => ((delegate* unmanaged<nint, long, int>)Fn("gguf_get_arr_type"))(ctx, i);
    public static long ArrayLength(nint ctx, long i) => (long)((delegate* unmanaged<nint, long, nuint>)Fn("gguf_get_arr_n"))(ctx, i);
    public static string ArrayString(nint ctx, long i, long j) => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, long, nuint, nint>)Fn("gguf_get_arr_str"))(ctx, i, (nuint)j))!;
    public static nint ArrayData(nint ctx, long i) => ((delegate* unmanaged<nint, long, nint>)Fn("gguf_get_arr_data"))(ctx, i);
    public static nint ValueData(nint ctx, long i) => ((delegate* unmanaged<nint, long, nint>)Fn("gguf_get_val_data"))(ctx, i);
    public static string ValueString(nint ctx, long i) => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, long, nint>)Fn("gguf_get_val_str"))(ctx, i))!;
    public static long TensorCount(nint ctx) => ((delegate* unmanaged<nint, long>)Fn("gguf_get_n_tensors"))(ctx);
    public static string TensorName(nint ctx, long i) => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, long, nint>)Fn("gguf_get_tensor_name"))(ctx, i))!;
    public static int TensorType(nint ctx, long i) => ((delegate* unmanaged<nint, long, int>)Fn("gguf_get_tensor_type"))(ctx, i);
    public static long TensorOffset(nint ctx, long i) => (long)((delegate* unmanaged<nint, long, nuint>)Fn("gguf_get_tensor_offset"))(ctx, i);
    public static long TensorSize(nint ctx, long i) => (long)((delegate* unmanaged<nint, long, nuint>)Fn("gguf_get_tensor_size"))(ctx, i);

    // ---- writing ----

    public static nint InitEmpty() => ((delegate* unmanaged<nint>)Fn("gguf_init_empty"))();

    public static void SetU8(nint ctx, string key, byte v) => ((delegate* unmanaged<nint, byte*, byte, void>)Fn("gguf_set_val_u8"))(ctx, Utf8(key), v);
    public static void SetI8(nint ctx, string key, sbyte v) => ((delegate* unmanaged<nint, byte*, sbyte, void>)Fn("gguf_set_val_i8"))(ctx, Utf8(key), v);
    public static void SetU16(nint ctx, string key, ushort v) => ((delegate* unmanaged<nint, byte*, ushort, void>)Fn("gguf_set_val_u16"))(ctx, Utf8(key), v);
    public static void SetI16(nint ctx, string key, short v) => ((delegate* unmanaged<nint, byte*, short, void>)Fn("gguf_set_val_i16"))(ctx, Utf8(key), v);
    public static void SetU32(nint ctx, string key, uint v) => ((delegate* unmanaged<nint, byte*, uint, void>)Fn("gguf_set_val_u32"))(ctx, Utf8(key), v);
    public static void SetI32(nint ctx, string key, int v) => ((delegate* unmanaged<nint, byte*, int, void>)Fn("gguf_set_val_i32"))(ctx, Utf8(key), v);
    public static void SetF32(nint ctx, string key, float v) => ((delegate* unmanaged<nint, byte*, float, void>)Fn("gguf_set_val_f32"))(ctx, Utf8(key), v);
    public static void SetU64(nint ctx, string key, ulong v) => ((delegate* unmanaged<nint, byte*, ulong, void>)Fn("gguf_set_val_u64"))(ctx, Utf8(key), v);
    public static void SetI64(nint ctx, string key, long v) => ((delegate* unmanaged<nint, byte*, long, void>)Fn("gguf_set_val_i64"))(ctx, Utf8(key), v);
    public static void SetF64(nint ctx, string key, double v) => ((delegate* unmanaged<nint, byte*, double, void>)Fn("gguf_set_val_f64"))(ctx, Utf8(key), v);
    public static void SetBool(nint ctx, string key, bool v) => ((delegate* unmanaged<nint, byte*, byte, void>)Fn("gguf_set_val_bool"))(ctx, Utf8(key), (byte)(v ? 1 : 0));
    public static void SetString(nint ctx, string key, string v) => ((delegate* unmanaged<nint, byte*, byte*, void>)Fn("gguf_set_val_str"))(ctx, Utf8(key), Utf8(v));

    /// <summary>An array of a fixed-size type (<paramref name="type"/> is the gguf_type of the elements).</summary>
    public static void SetArray<T>(nint ctx, string key, int type, T[] values) where T : unmanaged
    {
        fixed (T* p = values)
            ((delegate* unmanaged<nint, byte*, int, void*, nuint, void>)Fn("gguf_set_arr_data"))(ctx, Utf8(key), type, p, (nuint)values.Length);
    }

    public static void SetStrings(nint ctx, string key, string[] values)
    {
        var pointers = values.Select(v => (nint)Utf8(v)).ToArray();
        fixed (nint* p = pointers)
            ((delegate* unmanaged<nint, byte*, byte**, nuint, void>)Fn("gguf_set_arr_str"))(ctx, Utf8(key), (byte**)p, (nuint)values.Length);
    }

    /// <summary>A ggml context holding <paramref name="tensors"/> tensor headers and no data (ggml_init with no_alloc).</summary>
    public static nint GgmlInit(int tensors)
    {
        nuint overhead = ((delegate* unmanaged<nuint>)Fn("ggml_tensor_overhead"))();
        return ((delegate* unmanaged<GgmlInitParams, nint>)Fn("ggml_init"))(new GgmlInitParams { MemSize = overhead * (nuint)tensors, MemBuffer = 0, NoAlloc = 1 });
    }

    public static void GgmlFree(nint ggml) => ((delegate* unmanaged<nint, void>)Fn("ggml_free"))(ggml);

    /// <summary>
    /// Adds a tensor of ggml type <paramref name="type"/> and dims <paramref name="ne"/> (fastest first) whose bytes are at
    /// <paramref name="data"/> (which must stay pinned until the file is written).
    /// </summary>
    public static void AddTensor(nint ctx, nint ggml, string name, int type, long[] ne, void* data)
    {
        nint tensor;
        fixed (long* pne = ne)
            tensor = ((delegate* unmanaged<nint, int, int, long*, nint>)Fn("ggml_new_tensor"))(ggml, type, ne.Length, pne);
        ((delegate* unmanaged<nint, byte*, nint>)Fn("ggml_set_name"))(tensor, Utf8(name));
        ((delegate* unmanaged<nint, nint, void>)Fn("gguf_add_tensor"))(ctx, tensor);
        ((delegate* unmanaged<nint, byte*, void*, void>)Fn("gguf_set_tensor_data"))(ctx, Utf8(name), data);
    }

    public static bool WriteToFile(nint ctx, string path) =>
        ((delegate* unmanaged<nint, byte*, byte, byte>)Fn("gguf_write_to_file"))(ctx, Utf8(path), 0) != 0;

    /// <summary>A NUL-terminated UTF-8 copy in native memory. Never freed: tests make a few hundred bytes of them.</summary>
    private static byte* Utf8(string s) => (byte*)Marshal.StringToCoTaskMemUTF8(s);
}
