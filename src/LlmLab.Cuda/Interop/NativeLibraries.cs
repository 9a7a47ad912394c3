using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace LlmLab.Cuda.Interop;

/// <summary>The NVIDIA libraries LlmLab loads at run time.</summary>
internal enum NvidiaLibrary
{
    /// <summary>The CUDA driver API (ships with the driver).</summary>
    Driver,
    /// <summary>The run-time CUDA C++ compiler (CUDA toolkit or the nvidia-cuda-nvrtc wheel).</summary>
    Nvrtc,
    /// <summary>cuBLASLt, the matrix-multiply library with tensor-core kernels.</summary>
    CublasLt,
    /// <summary>The management library: power, clocks, temperature (ships with the driver).</summary>
    Nvml,
}

/// <summary>
/// Finds and loads the NVIDIA libraries for the <c>[LibraryImport]</c> bindings of this assembly. Each
/// binding names a logical library (<see cref="DriverName"/>, ...); the resolver maps it to the first file
/// found in: the folders of <see cref="PathVariable"/>, the system loader's own search (LD_LIBRARY_PATH,
/// ld.so.cache), the CUDA toolkit folders, and the lib folders of pip <c>nvidia-*</c> wheels. A library that
/// is nowhere gives one <see cref="CudaUnavailableException"/> naming it and every place looked.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>Folders (separated by the path separator) searched before anything else.</summary>
    public const string PathVariable = "LLMLAB_CUDA_LIB_PATH";

    public const string DriverName = "llmlab-cuda-driver";
    public const string NvrtcName = "llmlab-nvrtc";
    public const string CublasLtName = "llmlab-cublaslt";
    public const string NvmlName = "llmlab-nvml";

    private static readonly ConcurrentDictionary<NvidiaLibrary, nint> Loaded = new();
    private static int _registered;

    /// <summary>Installs the resolver for this assembly (idempotent).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    /// <summary>Loads <paramref name="library"/> now, or throws <see cref="CudaUnavailableException"/> naming where it looked.</summary>
    public static nint Load(NvidiaLibrary library)
    {
        Register();
        if (Loaded.TryGetValue(library, out var handle)) return handle;
        var (found, looked) = TryLoad(library, FileNames(library), DefaultFolders());
        if (found == 0) throw new CudaUnavailableException(NotFoundMessage(library, FileNames(library), looked));
        return Loaded.GetOrAdd(library, found);
    }

    /// <summary>True when <paramref name="library"/> can be loaded.</summary>
    public static bool IsAvailable(NvidiaLibrary library)
    {
        try { Load(library); return true; }
        catch (CudaUnavailableException) { return false; }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        NvidiaLibrary? library = name switch
        {
            DriverName => NvidiaLibrary.Driver,
            NvrtcName => NvidiaLibrary.Nvrtc,
            CublasLtName => NvidiaLibrary.CublasLt,
            NvmlName => NvidiaLibrary.Nvml,
            _ => null,
        };
        if (library is null) return 0;
        // Bindings are only called after Load succeeded; returning 0 here makes the runtime's own error the fallback.
        try { return Load(library.Value); }
        catch (CudaUnavailableException) { return 0; }
    }

    /// <summary>File names to try, newest major version first.</summary>
    internal static string[] FileNames(NvidiaLibrary library)
    {
        if (OperatingSystem.IsWindows())
            return library switch
            {
                NvidiaLibrary.Driver => ["nvcuda.dll"],
                NvidiaLibrary.Nvrtc => ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll"],
                NvidiaLibrary.CublasLt => ["cublasLt64_13.dll", "cublasLt64_12.dll"],
                _ => ["nvml.dll"],
            };
        return library switch
        {
            NvidiaLibrary.Driver => ["libcuda.so.1", "libcuda.so"],
            NvidiaLibrary.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"],
            NvidiaLibrary.CublasLt => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
            _ => ["libnvidia-ml.so.1", "libnvidia-ml.so"],
        };
    }

    /// <summary>
    /// Tries each file name: in each folder of <paramref name="folders"/> that comes before the system search
    /// (the override variable), then through the system loader, then in the remaining folders.
    /// Returns the handle (0 when nothing loaded) and the places looked, for the error message.
    /// </summary>
    internal static (nint Handle, List<string> Looked) TryLoad(NvidiaLibrary library, string[] fileNames, SearchFolders folders)
    {
        var looked = new List<string>();
        foreach (var dir in folders.Override)
            if (TryFolder(dir, fileNames, looked) is var h and not 0) return (h, looked);
        looked.Add("the system loader's search (LD_LIBRARY_PATH, ld.so.cache, /lib, /usr/lib)");
        foreach (var file in fileNames)
            if (NativeLibrary.TryLoad(file, out var h)) return (h, looked);
        foreach (var dir in folders.Known)
            if (TryFolder(dir, fileNames, looked) is var h and not 0) return (h, looked);
        return (0, looked);
    }

    private static nint TryFolder(string dir, string[] fileNames, List<string> looked)
    {
        looked.Add(dir);
        if (!Directory.Exists(dir)) return 0;
        foreach (var file in fileNames)
        {
            var path = Path.Combine(dir, file);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var h)) return h;
        }
        return 0;
    }

    internal static string NotFoundMessage(NvidiaLibrary library, string[] fileNames, IReadOnlyList<string> looked)
    {
        string what = library switch
        {
            NvidiaLibrary.Driver => "the CUDA driver library (installed with the NVIDIA driver)",
            NvidiaLibrary.Nvrtc => "NVRTC, the run-time CUDA compiler (CUDA toolkit, or pip install nvidia-cuda-nvrtc)",
            NvidiaLibrary.CublasLt => "cuBLASLt (CUDA toolkit, or pip install nvidia-cublas)",
            _ => "NVML, the NVIDIA management library (installed with the NVIDIA driver)",
        };
        return $"{string.Join(" / ", fileNames)} not found: LlmLab needs {what}. Looked in: {string.Join(", ", looked)}. " +
               $"Install it, or set {PathVariable} to the folder that holds it.";
    }

    /// <summary>Folders searched: the override variable's first, then the usual install places.</summary>
    internal sealed record SearchFolders(IReadOnlyList<string> Override, IReadOnlyList<string> Known);

    internal static SearchFolders DefaultFolders()
    {
        var overrides = (Environment.GetEnvironmentVariable(PathVariable) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var known = new List<string>();
        foreach (var variable in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root)
            {
                known.Add(Path.Combine(root, "lib64"));
                known.Add(Path.Combine(root, OperatingSystem.IsWindows() ? "bin" : "lib"));
            }
        known.AddRange(["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/nvidia/lib64",
            "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"]);
        foreach (var site in PythonSitePackages())
            foreach (var sub in new[] { "cu13/lib", "cublas/lib", "cuda_nvrtc/lib", "cuda_runtime/lib", "nvjitlink/lib" })
                known.Add(Path.Combine(site, "nvidia", sub));
        return new SearchFolders(overrides, known.Distinct().ToList());
    }

    /// <summary>site-packages folders of the Python installs and virtual environments in the usual places (pip nvidia-* wheels live there).</summary>
    private static IEnumerable<string> PythonSitePackages()
    {
        var roots = new List<string>();
        foreach (var variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } env) roots.Add(Path.Combine(env, "lib"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) roots.Add(Path.Combine(home, ".local", "lib"));
        roots.AddRange(["/usr/local/lib", "/usr/lib"]);
        if (Directory.Exists("/opt"))
            foreach (var dir in SafeDirectories("/opt"))
            {
                roots.Add(Path.Combine(dir, ".venv", "lib"));
                roots.Add(Path.Combine(dir, "lib"));
            }
        foreach (var root in roots)
            foreach (var python in SafeDirectories(root, "python3*"))
                foreach (var name in new[] { "site-packages", "dist-packages" })
                {
                    var site = Path.Combine(python, name);
                    if (Directory.Exists(site)) yield return site;
                }
    }

    private static string[] SafeDirectories(string root, string pattern = "*")
    {
        try { return Directory.Exists(root) ? Directory.GetDirectories(root, pattern) : []; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}

/// <summary>No usable CUDA installation: a library is missing, or the driver reports no device.</summary>
public sealed class CudaUnavailableException(string message, Exception? inner = null) : LlmLabException(message, inner);
