namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// Command line: <c>[--threads T] [--repetitions R] [--prompt-tokens P] [--new-tokens N] [--json FILE]
/// FILE.gguf[@P/N]…</c>. A file's own <c>@P/N</c> overrides the default P and N for it.
/// </summary>
internal sealed record ComparisonOptions(int Threads, int Repetitions, IReadOnlyList<ComparisonCase> Cases, string? JsonPath)
{
    /// <summary>This machine's two cores (llama-bench's default is the number of physical cores).</summary>
    public const int DefaultThreads = 2;

    /// <summary>llama-bench's default -r; the script asks for fewer to stay within its time budget.</summary>
    public const int DefaultRepetitions = 5;

    /// <summary>Default P and N (the Brown model's in the script).</summary>
    public const int DefaultPromptTokens = 128, DefaultNewTokens = 64;

    public const string Usage =
        "usage: LlmLab.Benchmarks.LlamaCpp [--threads T] [--repetitions R] [--prompt-tokens P] [--new-tokens N] [--json FILE] FILE.gguf[@P/N]...";

    public static ComparisonOptions Parse(string[] args)
    {
        int threads = DefaultThreads, repetitions = DefaultRepetitions, prompt = DefaultPromptTokens, generated = DefaultNewTokens;
        string? json = null;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value; {Usage}");
            int Count(int min) => int.TryParse(Value(), out int v) && v >= min ? v : throw new ArgumentException($"{args[i - 1]} {args[i]} must be an integer ≥ {min}");
            switch (args[i])
            {
                case "--threads": threads = Count(1); break;
                case "--repetitions": repetitions = Count(1); break;
                case "--prompt-tokens": prompt = Count(1); break;
                case "--new-tokens": generated = Count(1); break;
                case "--json": json = Value(); break;
                default:
                    if (args[i].StartsWith("--")) throw new ArgumentException($"unknown option {args[i]}; {Usage}");
                    files.Add(args[i]);
                    break;
            }
        }
        if (files.Count == 0) throw new ArgumentException($"no GGUF file given; {Usage}");
        return new ComparisonOptions(threads, repetitions, files.Select(f => ComparisonCase.Parse(f, prompt, generated)).ToArray(), json);
    }
}

/// <summary>One GGUF file with its prefill length P and decode steps N.</summary>
internal sealed record ComparisonCase(string Path, int PromptTokens, int NewTokens)
{
    public static ComparisonCase Parse(string spec, int defaultPrompt, int defaultNew)
    {
        int at = spec.LastIndexOf('@');
        if (at < 0) return Checked(new ComparisonCase(spec, defaultPrompt, defaultNew));
        var pn = spec[(at + 1)..].Split('/');
        if (pn.Length != 2 || !int.TryParse(pn[0], out int p) || !int.TryParse(pn[1], out int n) || p < 1 || n < 1)
            throw new ArgumentException($"{spec}: expected FILE.gguf@P/N with P and N positive integers");
        return Checked(new ComparisonCase(spec[..at], p, n));
    }

    private static ComparisonCase Checked(ComparisonCase c) =>
        File.Exists(c.Path) ? c : throw new ArgumentException($"{c.Path}: no such GGUF file; make it with `llmlab quantize` (see benchmarks/cpu-vs-llamacpp.sh)");

    /// <summary>Model and type from a name like <c>llama-3.2-1b.Q4_K_M.gguf</c> (type "?" when the name has no dot).</summary>
    public (string Model, string Type) Names()
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(Path);
        int dot = name.LastIndexOf('.');
        return dot < 0 ? (name, "?") : (name[..dot], name[(dot + 1)..]);
    }
}
