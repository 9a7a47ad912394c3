using System.Runtime.InteropServices;
using LLama.Native;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;

namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// LlmLab vs llama.cpp on the CPU, same GGUF file, same threads, same P and N, both loaded in this process and
/// measured in alternating repetitions so that both share the machine's noise. See benchmarks/README.md.
/// </summary>
internal static class Program
{
    /// <summary>Bytes of the copy test: far above any cache on this class of machine (as Benchmark uses).</summary>
    private const long CopyTestBytes = 512L * 1024 * 1024;

    /// <summary>Copy-test repetitions; the best is kept.</summary>
    private const int CopyTestRepetitions = 5;

    /// <summary>Seed of the random token ids (both systems get the same ids).</summary>
    private const int TokenSeed = 1;

    private static int Main(string[] args)
    {
        ComparisonOptions options;
        try { options = ComparisonOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        // LlmLab's CPU kernels run on Environment.ProcessorCount threads; only DOTNET_PROCESSOR_COUNT changes it.
        if (Environment.ProcessorCount != options.Threads)
        {
            Console.Error.WriteLine($"--threads {options.Threads} but this process sees {Environment.ProcessorCount} processors, " +
                                    $"which LlmLab uses as its thread count: run with DOTNET_PROCESSOR_COUNT={options.Threads}");
            return 2;
        }
        NativeLibraryConfig.All.WithLogCallback((_, _) => { });

        string machine = CpuModelName();
        double bandwidth;
        using (var cpu = new CpuBackend()) bandwidth = ((IBandwidthProbe)cpu).MeasureCopyBandwidth(CopyTestBytes, CopyTestRepetitions);
        // Which of LLamaSharp's native builds (noavx, avx, avx2, avx512) was loaded shows in llama.cpp's feature list.
        string llamaFeatures = Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? "";
        Console.Error.WriteLine($"{machine}; {options.Threads} threads; copy bandwidth {bandwidth / 1e9:F2} GB/s\nllama.cpp: {llamaFeatures}");

        var rows = new List<ComparisonRow>();
        foreach (var c in options.Cases)
        {
            try { rows.Add(Compare(c, options, bandwidth)); }
            catch (Exception e) when (e is LlmLabException or IOException or InvalidOperationException or LLama.Exceptions.RuntimeError)
            {
                // A file either system cannot load or run ends the comparison with one line naming it.
                Console.Error.WriteLine(e.Message.Contains(c.Path) ? e.Message : $"{c.Path}: {e.Message}");
                return 1;
            }
            Console.Error.WriteLine(ComparisonReport.Table(rows).Split('\n')[^1]);
        }
        Console.WriteLine(ComparisonReport.Table(rows));
        if (options.JsonPath is not null)
            File.WriteAllText(options.JsonPath, ComparisonReport.ToJson(machine, llamaFeatures, options.Threads, options.Repetitions, bandwidth, rows));
        return 0;
    }

    private static ComparisonRow Compare(ComparisonCase c, ComparisonOptions options, double bandwidth)
    {
        var (model, type) = c.Names();
        Console.Error.WriteLine($"{model} {type}: P={c.PromptTokens} N={c.NewTokens}, loading both");
        int context = c.PromptTokens + c.NewTokens;
        // Load times: each system's wall time from the file to a context that can run. LlmLab loads first: a file not yet
        // in the page cache is read from disk in its time.
        var loadClock = System.Diagnostics.Stopwatch.StartNew();
        using var lab = new LlmLabEngine(c.Path, context);
        double labLoad = loadClock.Elapsed.TotalSeconds;
        loadClock.Restart();
        using var cpp = new LlamaCppEngine(c.Path, options.Threads, context);
        double cppLoad = loadClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  loaded: LlmLab {labLoad:F2} s, llama.cpp {cppLoad:F2} s");
        var random = new Random(TokenSeed);
        int vocab = lab.Model.Config.VocabSize;
        int[] prompt = Enumerable.Range(0, c.PromptTokens).Select(_ => random.Next(vocab)).ToArray();
        int[] decode = Enumerable.Range(0, c.NewTokens).Select(_ => random.Next(vocab)).ToArray();

        // Warm-up as llama-bench's: one prefill of P and one decode step, untimed.
        IEngineUnderTest[] engines = [cpp, lab];
        foreach (var e in engines) e.Measure(prompt, decode[..1]);

        var seconds = engines.ToDictionary(e => e, _ => (Prefill: new List<double>(), Decode: new List<double>()));
        for (int rep = 0; rep < options.Repetitions; rep++)
        {
            // Alternate who goes first so that neither always runs in the other's wake.
            foreach (var e in rep % 2 == 0 ? engines : engines.Reverse())
            {
                var t = e.Measure(prompt, decode);
                seconds[e].Prefill.Add(t.PrefillSeconds);
                seconds[e].Decode.Add(t.DecodeSeconds);
                Console.Error.WriteLine($"  rep {rep + 1}/{options.Repetitions} {e.Name,-9} pp {c.PromptTokens / t.PrefillSeconds,8:F2} tok/s  tg {c.NewTokens / t.DecodeSeconds,8:F2} tok/s");
            }
        }
        Throughput Pp(IEngineUnderTest e) => Throughput.Of(c.PromptTokens, seconds[e].Prefill);
        Throughput Tg(IEngineUnderTest e) => Throughput.Of(c.NewTokens, seconds[e].Decode);
        long bytesPerToken = Benchmark.BytesPerToken(lab.Model, c.PromptTokens + c.NewTokens / 2);
        return new ComparisonRow(model, type, new FileInfo(c.Path).Length, bytesPerToken, c.PromptTokens, c.NewTokens,
            Pp(lab), Tg(lab), Pp(cpp), Tg(cpp), bandwidth, labLoad, cppLoad);
    }

    /// <summary>lscpu's "Model name", read from /proc/cpuinfo.</summary>
    private static string CpuModelName()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return "unknown CPU";
        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name"));
        return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
