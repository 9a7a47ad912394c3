using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Measurement;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab inspect PATH</c>: validate and summarise a model folder.</summary>
internal static class InspectCommand
{
    public static readonly string[] Flags = ["json"];

    public const string Usage = """
        inspect PATH [--quant TYPE] [--json] [--device cuda:N [--dtype bf16|f32] [--batch B] [--context T]]
          Architecture, parameter count, storage formats and bits per weight by tensor group, KV-cache bytes per token.
          PATH is a model folder or a .gguf file; --quant TYPE shows the tensors as a llama.cpp mix (Q4_K_M, Q8_0, …) would store them.
          Validates everything loading validates; exit 0 only for a good model. With a GPU device, also the
          memory plan (weights + KV cache + workspace for B × T tokens) against the GPU's free memory.
        """;

    public static int Run(Arguments a)
    {
        bool json = a.Flag("json");
        string? device = a.String("device");
        var dtype = ModelLocator.ParseDType(a.String("dtype"));
        var quant = ModelLocator.ParseQuant(a.String("quant"));
        int batch = a.Int("batch", 1, 4096) ?? 1;
        int? context = a.Int("context", 1);
        a.EnsureAllUsed(maxPositionals: 1);
        string path = a.Positionals.Count == 1 ? a.Positionals[0] : ModelLocator.Resolve(null);
        var summary = ModelSummary.Inspect(path, quant);
        Console.WriteLine(json ? JsonSerializer.Serialize(summary, BenchResult.JsonOptions) : summary.Describe());
        if (device is not null && device != "cpu")
        {
            using var backend = ModelLocator.CreateBackend(device, dtype);
            if (backend is not IMemoryPlanner planner) throw new UsageException($"inspect: {device} cannot plan memory");
            int tokens = Math.Min(context ?? summary.Config.MaxPositionEmbeddings, summary.Config.MaxPositionEmbeddings);
            var plan = planner.Plan(summary.Config.Shape, batch, tokens);
            var (free, total) = planner.DriverMemory();
            Console.WriteLine($"memory plan on {backend.Device} ({backend.ActivationType}) for {batch} × {tokens} tokens: weights {ByteCount.Format(plan.WeightBytes)} + KV cache {ByteCount.Format(plan.KvCacheBytes)} + workspace {ByteCount.Format(plan.WorkspaceBytes)} = {ByteCount.Format(plan.TotalBytes)}; " +
                $"{ByteCount.Format(free)} free of {ByteCount.Format(total)}: {(MemoryFit.Fits(plan, free) ? "fits" : "does NOT fit")}");
        }
        return 0;
    }
}
