using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Measurement;
using LlmLab.Notebooks.Magics;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab inspect PATH</c>: validate and summarise a model folder.</summary>
internal static class InspectCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("inspect", "Validates a model and summarises it: architecture, parameters, storage formats and bits per weight, KV-cache bytes per token.")
    {
        Options =
        [
            StudyOptions.Quant with { Description = "Show the tensors as this llama.cpp mix (Q4_K_M, Q8_0, …) would store them" },
            CliOptions.Json,
            StudyOptions.Device with { Description = "With a GPU device (cuda or cuda:N), also the memory plan against its free memory" },
            StudyOptions.ComputeType,
            new MagicOption("batch", "Sequences the memory plan holds") { Kind = MagicValueKind.Integer, DefaultValue = "1", Minimum = 1, Maximum = 4096, ValueName = "B" },
            new MagicOption("context", "Tokens per sequence the memory plan holds; default: the model's context") { Kind = MagicValueKind.Integer, Minimum = 1, ValueName = "T" },
        ],
        Arguments = [new MagicArgument("path", "Model folder or .gguf file; default: the embedded model") { IsRequired = false }],
        Details = """
            Validates everything loading validates (config, weights, tokenizer); exit 0 only for a good model. With a GPU
            device, also the memory plan (weights + KV cache + workspace for B × T tokens) against the GPU's free memory.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        bool json = o.GetFlag("json");
        string? device = o.GetString("device");
        var dtype = ModelLocator.ParseDType(o.GetString("dtype"));
        var quant = ModelLocator.ParseQuant(o.GetString("quant"));
        int batch = o.GetInt32("batch")!.Value;
        int? context = o.GetInt32("context");
        string path = ModelLocator.Resolve(o.GetString("path"));
        var summary = ModelSummary.Inspect(path, quant);
        bool hasTokenizer = CheckTokenizer(path, summary.Config.VocabSize);
        Console.WriteLine(json ? JsonSerializer.Serialize(summary, BenchResult.JsonOptions) : summary.Describe());
        if (!hasTokenizer && !json) Console.WriteLine($"tokenizer: none ({ModelTokenizer.FileName} absent): bench runs, generate and perplexity need one");
        if (device is not null && device != "cpu")
        {
            using var backend = ModelLocator.CreateBackend(device, dtype);
            if (backend is not IMemoryPlanner planner) throw new UsageException($"{device} cannot plan memory");
            int tokens = Math.Min(context ?? summary.Config.MaxPositionEmbeddings, summary.Config.MaxPositionEmbeddings);
            var plan = planner.Plan(summary.Config.Shape, batch, tokens);
            var (free, total) = planner.DriverMemory();
            Console.WriteLine($"memory plan on {backend.Device} ({backend.ActivationType}) for {batch} × {tokens} tokens: weights {ByteCount.Format(plan.WeightBytes)} + KV cache {ByteCount.Format(plan.KvCacheBytes)} + workspace {ByteCount.Format(plan.WorkspaceBytes)} = {ByteCount.Format(plan.TotalBytes)}; " +
                $"{ByteCount.Format(free)} free of {ByteCount.Format(total)}: {(MemoryFit.Fits(plan, free) ? "fits" : "does NOT fit")}");
        }
        return ExitCodes.Success;
    }

    /// <summary>
    /// Loads the tokenizer as generate does, so a truncated or mismatched tokenizer.json fails here rather than at the
    /// first prompt: every id it can produce must be a row of the embedding. A folder without tokenizer.json is a
    /// good model for bench (random prompt ids), so it passes.
    /// </summary>
    /// <returns>Whether the model has a tokenizer.</returns>
    private static bool CheckTokenizer(string path, int modelVocabulary)
    {
        if (Directory.Exists(path) && !File.Exists(Path.Combine(path, ModelTokenizer.FileName))) return false;
        var tokenizer = ModelTokenizer.Load(path);
        if (tokenizer.VocabSize > modelVocabulary)
            throw new InvalidTokenizerException($"{path}: the tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary (vocab_size) is {modelVocabulary}; token ids past it would index no embedding row. Use the tokenizer that came with the weights");
        return true;
    }
}
