using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;
using LlmLab.Planning;
using LlmLab.Tensors;
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
            StudyOptions.Device with { Description = "The device the memory plan is for (cpu: available RAM; cuda or cuda:N: the GPU's free memory)" },
            StudyOptions.ComputeType,
            StudyOptions.KvType,
            new MagicOption("batch", "Sequences the memory plan holds") { Kind = MagicValueKind.Integer, DefaultValue = "1", Minimum = 1, Maximum = 4096, ValueName = "B" },
            new MagicOption("context", "Tokens per sequence the memory plan holds; default: the model's context") { Kind = MagicValueKind.Integer, Minimum = 1, ValueName = "T" },
        ],
        Arguments = [new MagicArgument("path", "Model folder or .gguf file; default: the embedded model") { IsRequired = false }],
        Details = """
            Validates everything loading validates (config, weights, tokenizer); exit 0 only for a good model. Also the
            memory plan on the device (weights + KV cache + workspace + runtime overhead for B × T tokens, as llmlab plan
            computes it) against its free memory; JSON: the summary with a "plan" field.
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
        var kvType = ModelLocator.AsUsage(() => StudyOptions.KvTypeFrom(o));
        var plan = Plan(path, quant, kvType, device ?? "cpu", dtype, batch, context);
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(summary, BenchResult.JsonOptions)!.AsObject();
            node["plan"] = JsonSerializer.SerializeToNode(plan, BenchResult.JsonOptions);
            Console.WriteLine(node.ToJsonString(BenchResult.JsonOptions));
            return ExitCodes.Success;
        }
        Console.WriteLine(summary.Describe());
        if (!hasTokenizer) Console.WriteLine($"tokenizer: none ({ModelTokenizer.FileName} absent): bench runs, generate and perplexity need one");
        Console.WriteLine($"memory plan for {plan.Batch} × {plan.Context} tokens on " + plan.Devices[0].Describe());
        return ExitCodes.Success;
    }

    // The planner's bytes for the model on the device (free memory: available RAM, or the GPU driver's), before loading.
    private static ModelPlan Plan(string path, QuantizationMix? quant, KvCacheType kvType, string device, DType? dtype, int batch, int? context)
    {
        var model = PlanModel.Resolve(path, quant) with { KvType = kvType };
        device = ModelLocator.AsUsage(() => DeviceMap.CheckDevice(device));
        PlanDevice info;
        if (device == "cpu")
        {
            using var cpu = new CpuBackend();
            var report = cpu.MemoryReport();
            info = PlanDevice.ForCpu(report.DriverFreeBytes, report.DriverTotalBytes, null);
        }
        else
        {
            using var backend = ModelLocator.CreateBackend(device, dtype);
            info = ModelLocator.AsUsage(() => PlanDevice.ForLocalGpu(backend));
            dtype = backend.ActivationType;
        }
        int tokens = Math.Min(context ?? model.Config.MaxPositionEmbeddings, model.Config.MaxPositionEmbeddings);
        return MemoryPlanner.Plan(model, DeviceMap.OnDevice(device, model.Config.NumLayers), tokens, batch,
            new Dictionary<string, PlanDevice> { [device] = info }, dtype ?? MemoryPlanner.DefaultGpuComputeType);
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
