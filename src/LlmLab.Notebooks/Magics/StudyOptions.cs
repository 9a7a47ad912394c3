using System.Globalization;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// The options a study step takes, declared once for the <c>llmlab</c> command, the magic that mirrors it and the
/// Polyglot directive built from that magic: names, short names, value kinds, ranges and defaults. A command's
/// <see cref="CommandSyntax"/> lists these plus its own (a model path on the command line, a variable name in a
/// notebook), and <see cref="MagicOptionParser"/> checks every value against them before anything runs.
/// </summary>
/// <remarks>
/// Why this parser rather than System.CommandLine 3.0.0: the magics and the Polyglot directives already declare
/// their options as <see cref="CommandSyntax"/> records (help text, approved usage snapshots and
/// <c>PolyglotMagics.ParametersOf</c> read them), the same parser already ran <c>llmlab run</c>, and a notebook
/// line needs its own shell-like word splitting (<see cref="MagicCommandLine"/>) that System.CommandLine would not
/// share. Making it the CLI's parser too left one parser and one declaration, with no new dependency.
/// </remarks>
public static class StudyOptions
{
    /// <summary>Defaults of <c>bench</c>, from the engine's <see cref="BenchOptions"/> record: written there only.</summary>
    private static readonly BenchOptions BenchDefaults = new();

    /// <summary>Largest prompt or generated length an option accepts before a model says its own context (1M positions bounds what is allocated from the number).</summary>
    private const int MaxTokensOption = 1 << 20;

    /// <summary>Largest sequence batch an option accepts; the session checks the same bound (InferenceSession).</summary>
    private const int MaxBatchOption = 4096;

    /// <summary>Largest batch a bench sweep runs (BenchOptions.Validate checks the same bound).</summary>
    private const int MaxBenchBatch = 1024;

    // Loading a model (llmlab commands, #!llm-load).

    /// <summary><c>-d, --device cpu|cuda|cuda:N</c>: where the weights go and the model runs.</summary>
    public static MagicOption Device { get; } = new("device", "Where the weights go and the model runs: cpu, cuda or cuda:N") { ShortName = 'd', DefaultValue = "cpu", ValueName = "DEVICE" };

    /// <summary><c>--dtype f32|bf16|f16</c>: the compute type (activations), not the stored weights.</summary>
    public static MagicOption ComputeType { get; } = new("dtype", "Compute type f32, bf16 or f16; the CPU computes in f32, a GPU backend picks its own when absent") { ValueName = "TYPE" };

    /// <summary><c>--quant TYPE</c>: a llama.cpp mix applied while loading.</summary>
    public static MagicOption Quant { get; } = new("quant", $"Convert the weights while loading, as this llama.cpp mix (or FP8: E4M3 with a scale per output channel) stores them ({string.Join(", ", QuantizationMix.All.Select(m => m.Name))})") { ValueName = "TYPE" };

    /// <summary>
    /// <c>--n-gpu-layers N|all</c>: llama.cpp's split — the last N layers (the output head counting as one, placed
    /// first) on the <c>--device</c> GPU, the rest and the embedding on the CPU.
    /// </summary>
    public static MagicOption GpuLayers { get; } = new("n-gpu-layers", "llama.cpp's split: the last N layers (the output head counting as one, offloaded first) on the GPU, the rest on the CPU; a number or all") { ValueName = "N" };

    /// <summary><c>--device-map</c>: accelerate's strategies sized by the planner, a device, or a JSON map.</summary>
    public static MagicOption DeviceMapOption { get; } = new("device-map", "Placement over the GPUs and the CPU: auto, balanced, balanced_low_0 or sequential (accelerate's, sized by this planner), a device (cpu, cuda:N), or a JSON file {\"embed\": \"cuda:0\", \"layers.0-15\": \"cuda:0\", \"layers.16-31\": \"cuda:1\", \"norm\": \"cuda:1\", \"head\": \"cuda:1\"}") { ValueName = "STRATEGY|DEVICE|FILE.json" };

    /// <summary><c>--max-memory</c>: the budgets of a --device-map strategy.</summary>
    public static MagicOption MaxMemory { get; } = new("max-memory", "Budgets of --device-map auto|balanced|balanced_low_0|sequential, e.g. cuda:0=20GiB,cuda:1=20GiB,cpu=64GiB (default: each GPU's free memory, the host's available RAM)") { ValueName = "DEV=SIZE,…" };

    /// <summary><c>--tensor-split</c>: llama.cpp's layer split over the GPUs.</summary>
    public static MagicOption TensorSplit { get; } = new("tensor-split", "llama.cpp's layer split: proportions of the offloaded layers over cuda:0, cuda:1, … (e.g. 3,1); with --n-gpu-layers, of those layers") { ValueName = "P0,P1,…" };

    /// <summary><c>--kv-offload layer|none</c>: where each layer's KV cache lives.</summary>
    public static MagicOption KvOffload { get; } = new("kv-offload", "Where each layer's KV cache lives: layer (with the layer, default) or none (all on the CPU, llama.cpp's -nkvo)") { Choices = ["layer", "none"], DefaultValue = "layer", ValueName = "layer|none" };

    /// <summary><c>--kv-type f32|f16|bf16|q8_0|q4_0|fp8</c>: how the KV cache stores K and V (default: the backend's own type).</summary>
    public static MagicOption KvType { get; } = new("kv-type", "How the KV cache stores K and V: f32, f16, bf16, q8_0/q4_0 (32-element blocks along each head, as llama.cpp's --cache-type-k/v), or fp8 (E4M3 with a scale per head); default: the backend's own (f32 on the CPU, the compute type on a GPU)") { Choices = Backends.KvCacheTypes.Choices.Split('|'), ValueName = Backends.KvCacheTypes.Choices };

    /// <summary>The <see cref="Backends.KvCacheType"/> the parsed <see cref="KvType"/> option names (absent: the backend's own).</summary>
    public static Backends.KvCacheType KvTypeFrom(MagicOptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Backends.KvCacheTypes.Parse(options.GetString("kv-type"));
    }

    /// <summary>The options that place a model's parts on devices (beside <see cref="Device"/>).</summary>
    public static IReadOnlyList<MagicOption> Placement { get; } = [GpuLayers, DeviceMapOption, MaxMemory, TensorSplit, KvOffload];

    /// <summary>The <see cref="Planning.Placement"/> the parsed <see cref="Placement"/> options give, checked for conflicts with an explicit --device.</summary>
    /// <exception cref="InvalidOptionException">Two options that both place the layers, or a budget without a strategy.</exception>
    public static Placement PlacementFrom(MagicOptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var placement = new Placement(options.GetString("device-map"), options.GetString("tensor-split"), options.GetString("max-memory"),
            options.GetString("n-gpu-layers"), options.GetString("kv-offload") == "none");
        placement.CheckConflicts(options.Has("device") ? options.GetString("device") : null);
        return placement;
    }

    // Generation (llmlab generate, #!llm-generate).

    /// <summary>The sampling options, in help order.</summary>
    public static IReadOnlyList<MagicOption> Sampling { get; } =
    [
        new MagicOption("max-new-tokens", "Most tokens to generate (it stops earlier at the end-of-sequence token)") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = "64", Minimum = 0, Maximum = MaxTokensOption, ValueName = "N" },
        new MagicOption("temperature", "Sampling temperature; greedy (argmax) when absent or 0") { ShortName = 't', Kind = MagicValueKind.Number, Minimum = 0, Maximum = 100, ValueName = "T" },
        new MagicOption("top-k", "Sample among the K most likely tokens only (0: all)") { ShortName = 'k', Kind = MagicValueKind.Integer, Minimum = 0, OnlyWith = "temperature", ValueName = "K" },
        new MagicOption("top-p", "Sample among the most likely tokens whose probabilities sum to P (1: all)") { Kind = MagicValueKind.Number, Minimum = 0, MinimumIsExclusive = true, Maximum = 1, OnlyWith = "temperature", ValueName = "P" },
        new MagicOption("repetition-penalty", "Penalty on tokens already seen (1: none)") { Kind = MagicValueKind.Number, DefaultValue = "1", Minimum = 0, MinimumIsExclusive = true, Maximum = 100, ValueName = "R" },
        new MagicOption("seed", "Seed of the sampling draws, for a reproducible continuation") { ShortName = 's', Kind = MagicValueKind.Integer, OnlyWith = "temperature", ValueName = "S" },
    ];

    /// <summary>The <see cref="SamplingOptions"/> the parsed <see cref="Sampling"/> options describe.</summary>
    public static SamplingOptions SamplingOptionsFrom(MagicOptionValues options) => new(
        (float?)options.GetDouble("temperature"), options.GetInt32("top-k"), (float?)options.GetDouble("top-p"),
        (float)options.GetDouble("repetition-penalty")!.Value, options.GetInt32("seed"));

    // Benchmark (llmlab bench, #!llm-bench).

    /// <summary>The benchmark options, in help order; defaults from <see cref="BenchOptions"/>.</summary>
    public static IReadOnlyList<MagicOption> Bench { get; } =
    [
        new MagicOption("prompt-tokens", "Prompt length per sequence (random tokens), timed as prefill") { ShortName = 'p', Kind = MagicValueKind.Integer, DefaultValue = Text(BenchDefaults.PromptTokens), Minimum = 1, Maximum = MaxTokensOption, ValueName = "P" },
        new MagicOption("new-tokens", "Tokens generated per sequence (the first comes from prefill)") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = Text(BenchDefaults.NewTokens), Minimum = 2, Maximum = MaxTokensOption, ValueName = "N" },
        new MagicOption("repetitions", "Timed repetitions (medians and all inter-token samples are reported)") { ShortName = 'r', Kind = MagicValueKind.Integer, DefaultValue = Text(BenchDefaults.Repetitions), Minimum = 1, Maximum = 1000, ValueName = "R" },
        new MagicOption("warmup", "Untimed repetitions first (JIT, caches, clocks)") { Kind = MagicValueKind.Integer, DefaultValue = Text(BenchDefaults.Warmup), Minimum = 0, Maximum = 100, ValueName = "W" },
        new MagicOption("batch", "Batch sizes to sweep, comma-separated; the headline figures use the first") { ShortName = 'b', Kind = MagicValueKind.IntegerList, DefaultValue = string.Join(",", BenchDefaults.Batches), Minimum = 1, Maximum = MaxBenchBatch, ValueName = "LIST" },
    ];

    /// <summary>The <see cref="BenchOptions"/> the parsed <see cref="Bench"/> options describe.</summary>
    public static BenchOptions BenchOptionsFrom(MagicOptionValues options) => new(
        PromptTokens: options.GetInt32("prompt-tokens")!.Value,
        NewTokens: options.GetInt32("new-tokens")!.Value,
        Repetitions: options.GetInt32("repetitions")!.Value,
        Warmup: options.GetInt32("warmup")!.Value,
        BatchSizes: options.GetInt32List("batch"));

    // Perplexity (llmlab perplexity, #!llm-perplexity).

    /// <summary>The perplexity options, in help order.</summary>
    public static IReadOnlyList<MagicOption> Perplexity { get; } =
    [
        new MagicOption("window", "Tokens per window; tokens 1..N-1 of each are scored") { ShortName = 'w', Kind = MagicValueKind.Integer, DefaultValue = "256", Minimum = 2, Maximum = MaxTokensOption, ValueName = "N" },
        new MagicOption("windows", "Windows taken from the start of the text") { ShortName = 'k', Kind = MagicValueKind.Integer, DefaultValue = "8", Minimum = 1, Maximum = MaxTokensOption, ValueName = "K" },
        new MagicOption("batch", "Windows evaluated together") { Kind = MagicValueKind.Integer, DefaultValue = "4", Minimum = 1, Maximum = MaxBatchOption, ValueName = "B" },
    ];

    // Comparison (llmlab compare, #!llm-compare).

    /// <summary>The comparison's chunking options, in help order.</summary>
    public static IReadOnlyList<MagicOption> Compare { get; } =
    [
        new MagicOption("ctx", "Tokens per chunk; positions N/2..N-2 of each are scored") { ShortName = 'c', Kind = MagicValueKind.Integer, DefaultValue = Text(ModelComparison.DefaultContext), Minimum = ModelComparison.MinContext, Maximum = MaxTokensOption, ValueName = "N" },
        new MagicOption("chunks", "Chunks taken from the start of the text; default: all that fit") { ShortName = 'k', Kind = MagicValueKind.Integer, Minimum = 1, Maximum = MaxTokensOption, ValueName = "K" },
    ];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
