using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda;

/// <summary>
/// Compiles the embedded kernel sources (Kernels/*.cu) with NVRTC for one GPU architecture and keeps the
/// result on disk, keyed by a hash of the sources, the options, the architecture and the NVRTC version, so a
/// kernel is compiled once per machine. The cache folder is <see cref="CacheVariable"/>, else
/// $XDG_CACHE_HOME/llmlab/kernels, else ~/.cache/llmlab/kernels; a cache that cannot be written is skipped.
/// </summary>
internal static unsafe class KernelCompiler
{
    /// <summary>Environment variable naming the kernel cache folder.</summary>
    public const string CacheVariable = "LLMLAB_KERNEL_CACHE";

    /// <summary>Set to print NVRTC's log for every compile (with <see cref="ExtraOptionsVariable"/>="--ptxas-options=-v": registers, spills).</summary>
    public const string LogVariable = "LLMLAB_NVRTC_LOG";

    /// <summary>Extra NVRTC options, space-separated (kernel development only; part of the cache key).</summary>
    public const string ExtraOptionsVariable = "LLMLAB_NVRTC_OPTIONS";

    private const string ResourcePrefix = "LlmLab.Cuda.Kernels.";

    /// <summary>Headers every kernel file may include (passed to NVRTC by name).</summary>
    private static readonly string[] Headers = ["common.cuh", "attention.cuh"];

    /// <summary>The text of an embedded kernel source or header.</summary>
    public static string Source(string fileName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new InvalidOperationException($"kernel source {fileName} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// A loadable image of <paramref name="fileName"/> for compute capability <paramref name="major"/>.<paramref name="minor"/>:
    /// a cubin when NVRTC knows the architecture, else PTX for the newest one it knows (the driver compiles that at load).
    /// </summary>
    public static byte[] Compile(string fileName, int major, int minor, IReadOnlyList<string> defines)
    {
        NativeLibraries.Load(NvidiaLibrary.Nvrtc);
        int arch = major * 10 + minor;
        var supported = SupportedArchitectures();
        bool cubin = supported.Length == 0 || supported.Contains(arch);
        int target = cubin ? arch : supported.Where(a => a <= arch).DefaultIfEmpty(supported.Max()).Max();
        var options = new List<string> { cubin ? $"--gpu-architecture=sm_{target}" : $"--gpu-architecture=compute_{target}", "--std=c++17" };
        options.AddRange(defines.Select(d => "-D" + d));
        options.AddRange((Environment.GetEnvironmentVariable(ExtraOptionsVariable) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var source = Source(fileName);
        var headers = Headers.Select(Source).ToArray();
        Nvrtc.Check(Nvrtc.nvrtcVersion(out int nvMajor, out int nvMinor));
        var key = CacheKey(fileName, source, headers, options, $"{nvMajor}.{nvMinor}");
        // One compile per variant per process (backends created in parallel share it), then the disk cache.
        return Compiled.GetOrAdd(key, _ => new Lazy<byte[]>(() =>
        {
            var cached = CachePath(fileName, target, key, cubin);
            if (cached is not null && File.Exists(cached))
            {
                try { return File.ReadAllBytes(cached); }
                catch (IOException) { /* fall through and compile */ }
            }
            var image = Run(fileName, source, headers, options, cubin);
            if (cached is not null) Store(cached, image);
            return image;
        })).Value;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<byte[]>> Compiled = new();

    private static byte[] Run(string fileName, string source, string[] headers, List<string> options, bool cubin)
    {
        var pinned = new List<nint>();
        try
        {
            byte* Utf8(string s)
            {
                var bytes = Encoding.UTF8.GetBytes(s + "\0");
                var p = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bytes.Length);
                bytes.CopyTo(new Span<byte>(p, bytes.Length));
                pinned.Add((nint)p);
                return p;
            }
            byte** headerTexts = stackalloc byte*[headers.Length];
            byte** headerNames = stackalloc byte*[headers.Length];
            for (int i = 0; i < headers.Length; i++)
            {
                headerTexts[i] = Utf8(headers[i]);
                headerNames[i] = Utf8(Headers[i]);
            }
            Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out var program, Utf8(source), Utf8(fileName), headers.Length, headerTexts, headerNames));
            try
            {
                byte** opts = stackalloc byte*[options.Count];
                for (int i = 0; i < options.Count; i++) opts[i] = Utf8(options[i]);
                int result = Nvrtc.nvrtcCompileProgram(program, options.Count, opts);
                if (result != Nvrtc.Success)
                {
                    var log = Log(program);
                    throw new CudaException($"nvrtcCompileProgram({fileName}, {string.Join(' ', options)})", result,
                        result == Nvrtc.ErrorCompilation ? "NVRTC_ERROR_COMPILATION" : $"nvrtcResult {result}", log.Trim());
                }
                if (Environment.GetEnvironmentVariable(LogVariable) is { Length: > 0 })
                    Console.Error.WriteLine($"nvrtc {fileName} {string.Join(' ', options)}:{Environment.NewLine}{Log(program).Trim()}");
                nuint size;
                if (cubin) Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out size));
                else Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out size));
                var image = new byte[(int)size];
                fixed (byte* p = image)
                {
                    if (cubin) Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, p));
                    else Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, p));
                }
                return image;
            }
            finally
            {
                Nvrtc.nvrtcDestroyProgram(ref program);
            }
        }
        finally
        {
            foreach (var p in pinned) System.Runtime.InteropServices.NativeMemory.Free((void*)p);
        }
    }

    private static string Log(nint program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out var size) != Nvrtc.Success || size == 0) return "";
        var log = new byte[(int)size];
        fixed (byte* p = log) Nvrtc.nvrtcGetProgramLog(program, p);
        return Encoding.UTF8.GetString(log).TrimEnd('\0');
    }

    private static int[] SupportedArchitectures()
    {
        try
        {
            Nvrtc.Check(Nvrtc.nvrtcGetNumSupportedArchs(out int count));
            var archs = new int[count];
            fixed (int* p = archs) Nvrtc.Check(Nvrtc.nvrtcGetSupportedArchs(p));
            return archs;
        }
        catch (EntryPointNotFoundException)
        {
            return []; // NVRTC before 11.2 cannot list them: try the device's own architecture
        }
    }

    /// <summary>Hex SHA-256 of everything that changes the compiled image.</summary>
    internal static string CacheKey(string fileName, string source, IEnumerable<string> headers, IEnumerable<string> options, string nvrtcVersion)
    {
        var text = new StringBuilder().Append(fileName).Append('\0').Append(source).Append('\0');
        foreach (var h in headers) text.Append(h).Append('\0');
        foreach (var o in options) text.Append(o).Append('\0');
        text.Append(nvrtcVersion);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    private static string? CachePath(string fileName, int arch, string key, bool cubin)
    {
        var dir = CacheDirectory();
        return dir is null ? null : Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(fileName)}-sm{arch}-{key[..16]}.{(cubin ? "cubin" : "ptx")}");
    }

    /// <summary>The kernel cache folder (null when no home or cache folder can be named).</summary>
    internal static string? CacheDirectory()
    {
        if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } explicitDir) return explicitDir;
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "llmlab", "kernels");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length == 0 ? null : Path.Combine(home, ".cache", "llmlab", "kernels");
    }

    private static void Store(string path, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, image);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache costs a recompile next time, nothing more.
        }
    }
}
