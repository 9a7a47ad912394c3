using System.Globalization;
using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab plan</c>: memory per device by category and predicted speed, before anything is loaded.</summary>
internal static class PlanCommand
{
    /// <summary>Context planned when --context is absent: llama.cpp's default n_ctx, or the model's own context when shorter.</summary>
    private const int DefaultContext = 4096;

    /// <summary>Prompt planned when --prompt-tokens is absent: llama-bench's pp512 (its default prompt test), or the context when shorter.</summary>
    private const int DefaultPromptTokens = 512;

    /// <summary>The CPU copy test behind CPU decode predictions: 256 MiB (far past the caches) × 3.</summary>
    private const long CpuCopyTestBytes = 256L << 20;
    private const int CpuCopyTestRepetitions = 3;

    /// <summary>Precisions the --gpu table compares when the model is stored in a float format and no --quant is given.</summary>
    private static readonly string[] TablePrecisions = ["BF16", "Q8_0", "Q4_K_M"];

    public static CliCommand Command { get; } = new(new CommandSyntax("plan", "Plans memory per device (weights, KV cache, workspace, runtime overhead) and predicts decode/prefill speed, before anything is loaded.")
    {
        Options =
        [
            new MagicOption("model", "A preset (llama-3.1-8b, …; see make-random), a model folder, a .gguf file or a bare config.json") { ShortName = 'm', IsRequired = true, ValueName = "PRESET|DIR|FILE" },
            StudyOptions.Quant with { Description = "Plan the weights as this llama.cpp mix stores them (Q4_K_M, Q8_0, …): the bytes quantize writes" },
            new MagicOption("context", $"Tokens per sequence the KV cache holds; default: {DefaultContext} or the model's context when shorter") { Kind = MagicValueKind.Integer, Minimum = 1, Maximum = 1 << 26, ValueName = "N" },
            new MagicOption("batch", "Sequences the KV cache holds") { Kind = MagicValueKind.Integer, DefaultValue = "1", Minimum = 1, Maximum = MemoryPlanner.MaxBatch, ValueName = "B" },
            new MagicOption("prompt-tokens", $"Prompt length per sequence whose time to first token is predicted; default: {DefaultPromptTokens} (llama-bench's pp512) or the context when shorter") { Kind = MagicValueKind.Integer, Minimum = 1, Maximum = 1 << 26, ValueName = "P" },
            StudyOptions.Device with { Description = "The device to plan for: cpu, or cuda:N (a GPU on this machine: its free memory)" },
            StudyOptions.GpuLayers,
            new MagicOption("gpu", "Plan for catalog GPUs instead of a local device: a name (h100-sxm, rtx-4090, …), a comma-separated list, or all (a table); with --device-map or --tensor-split, the machine's GPUs in order (h100-sxm,h100-sxm: cuda:0, cuda:1)") { ValueName = "NAME" },
            StudyOptions.DeviceMapOption, StudyOptions.MaxMemory, StudyOptions.TensorSplit, StudyOptions.KvOffload,
            StudyOptions.ComputeType with { Description = "GPU compute type (bf16 default, f16, f32); the CPU computes in f32" },
            StudyOptions.KvType with { Description = "Plan the KV cache stored as f32, f16, bf16, q8_0, q4_0 or fp8 (bytes from the block geometry; fp8 adds a 4-byte scale per head); default: each device's own (f32 on the CPU, the compute type on a GPU)" },
            CliOptions.Json,
        ],
        Details = """
            Sizes every device of the placement from the tensor manifest and the backends' own rules: weights as the
            backend holds them, the KV cache of batch × context tokens, activations and workspace, and on a GPU the
            runtime's overhead (CUDA context, cuBLASLt, modules: 560 MiB measured). Predicts decode tok/s as bandwidth ×
            LlmLab's measured efficiency ÷ bytes per token; prefill tok/s and the time to first token of --prompt-tokens
            from a compute rate: a GPU's tensor throughput, or on the CPU a short probe of the CPU backend's own matrix
            product on the model's weight formats, each × LlmLab's measured fraction. Exit 1 when the plan does not fit,
            with one line naming the device, what is needed and free, and what would fit.
            Placement: one --device; llama.cpp's --n-gpu-layers and --tensor-split; accelerate's --device-map
            auto|balanced|balanced_low_0|sequential with --max-memory (budgets cover weights, KV cache, workspace and
            overhead; differences from accelerate in the README); a JSON map; --kv-offload none keeps every KV cache on
            the CPU. The GPUs are this machine's, or catalog GPUs named by --gpu.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        var quant = ModelLocator.ParseQuant(o.GetString("quant"));
        string modelName = o.GetString("model")!;
        var kvType = ModelLocator.AsUsage(() => StudyOptions.KvTypeFrom(o));
        var model = ModelLocator.AsUsage(() => PlanModel.Resolve(modelName, quant)) with { KvType = kvType };
        int context = o.GetInt32("context") ?? Math.Min(DefaultContext, model.Config.MaxPositionEmbeddings);
        int batch = o.GetInt32("batch")!.Value;
        var compute = ModelLocator.ParseDType(o.GetString("dtype")) ?? MemoryPlanner.DefaultGpuComputeType;
        string? gpuLayers = o.GetString("n-gpu-layers");
        bool json = o.GetFlag("json");
        ModelLocator.AsUsage(() => { MemoryPlanner.CheckRequest(model, context, batch); return true; });
        int prompt = o.GetInt32("prompt-tokens") ?? Math.Min(DefaultPromptTokens, context);
        if (prompt > context) throw new UsageException($"--prompt-tokens {prompt} must be at most the context ({context}); give a longer --context or a shorter prompt");
        var request = new Request(model, context, batch, prompt, compute, json);
        var placement = ModelLocator.AsUsage(() => StudyOptions.PlacementFrom(o));

        if (o.GetString("gpu") is { } gpuText)
        {
            if (placement.PlacesOverGpus)
            {
                var machine = ModelLocator.AsUsage(() => GpuCatalog.ParseMachine(gpuText));
                return Placed(request, placement, machine.Select((g, i) => PlanDevice.ForCatalogGpu($"cuda:{i}", g)).ToArray());
            }
            var gpus = ModelLocator.AsUsage(() => GpuCatalog.Parse(gpuText));
            if (gpus.Count > 1) return Table(modelName, quant, gpus, placement, request);
            return Single(request, "cuda:0", PlanDevice.ForCatalogGpu("cuda:0", gpus[0]), placement);
        }
        if (placement.PlacesOverGpus)
        {
            int count = DeviceCatalog.Default.SurveyGpus().Gpus.Count;
            return Placed(request, placement, Enumerable.Range(0, count).Select(i => LocalGpu($"cuda:{i}", compute)).ToArray());
        }
        string device = ModelLocator.AsUsage(() => DeviceMap.CheckDevice(o.GetString("device") ?? "cpu"));
        return Single(request, device, device == "cpu" ? null : LocalGpu(device, compute), placement);
    }

    /// <summary>What was asked: the model, its context, batch and prompt, the GPU compute type, and whether to print JSON.</summary>
    private sealed record Request(PlanModel Model, int Context, int Batch, int PromptTokens, DType Compute, bool Json);

    // A device map over the GPUs given (catalog or local) and the CPU.
    private static int Placed(Request request, Placement placement, IReadOnlyList<PlanDevice> gpus)
    {
        var maxMemory = ModelLocator.AsUsage(() => placement.Budgets(gpus.Count));
        var map = ModelLocator.AsUsage(() => placement.Resolve(request.Model, "cuda:0", gpus, request.Context, request.Batch, request.Compute));

        // The CPU is always known here, so that a suggested map that offloads to it is checked against its memory.
        var devices = Devices(request, gpus, map, withCpu: true);
        if (maxMemory is not null)
            foreach (var (device, budget) in maxMemory)
                if (devices.TryGetValue(device, out var info))
                    devices[device] = info with { FreeBytes = Math.Min(info.FreeBytes ?? budget, budget) };
        return Report(request, map, devices);
    }

    private static int Single(Request request, string device, PlanDevice? gpu, Placement placement)
    {
        var map = ModelLocator.AsUsage(() => placement.Resolve(request.Model, device, [], request.Context, request.Batch, request.Compute));
        return Report(request, map, Devices(request, gpu is null ? [] : [gpu], map));
    }

    private static int Report(Request request, DeviceMap map, Dictionary<string, PlanDevice> devices)
    {
        var (model, context, batch, compute) = (request.Model, request.Context, request.Batch, request.Compute);
        var plan = ModelLocator.AsUsage(() => MemoryPlanner.Plan(model, map, context, batch, devices, compute, request.PromptTokens));
        if (!plan.Fits) plan = plan with { Advice = MemoryPlanner.Advice(model, map, context, batch, devices, compute) };
        Console.WriteLine(request.Json ? JsonSerializer.Serialize(plan, BenchResult.JsonOptions) : plan.Describe());
        if (plan.Fits) return ExitCodes.Success;
        Console.Error.WriteLine("llmlab plan: " + plan.MisfitMessage());
        return ExitCodes.BadData;
    }

    // GPU × precision: fits at the context asked, the longest context that fits, predicted speeds.
    private static int Table(string modelName, QuantizationMix? quant, IReadOnlyList<GpuSpec> gpus, Placement placement, Request request)
    {
        var (model, context, batch, compute, json) = (request.Model, request.Context, request.Batch, request.Compute, request.Json);
        var models = quant is not null || model.Manifest.Weights.Any(w => w.Format.IsQuantized())
            ? [(quant?.Name ?? "as stored", model)]
            : TablePrecisions.Select(p => (p, p == "BF16" ? model : ModelLocator.AsUsage(() => PlanModel.Resolve(modelName, QuantizationMix.Parse(p))) with { KvType = model.KvType })).ToArray();
        // The CPU (its RAM and measured copy bandwidth) only when the placement gives it layers or the KV caches.
        var cpu = placement.GpuLayers is not null || placement.KvCacheOnCpu ? Devices(request, [], DeviceMap.OnDevice("cpu", 1), probePrefill: false)["cpu"] : null;
        var rows = new List<GpuPlanRow>();
        foreach (var gpu in gpus)
            foreach (var (precision, m) in models)
            {
                var row = ModelLocator.AsUsage(() => CatalogGpuPlan.Of(m, precision, gpu, context, batch, compute, placement, cpu));
                rows.Add(new GpuPlanRow(gpu.Id, gpu.Name, precision, row.Fits, row.MaxContext, row.Plan));
            }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { model = model.Name, context, batch, rows }, BenchResult.JsonOptions));
            return ExitCodes.Success;
        }
        Console.WriteLine($"plan: {model.Name} on catalog GPUs, context {context} × batch {batch}" + (placement.GpuLayers is null ? "" : $", --n-gpu-layers {placement.GpuLayers}") +
            (placement.KvCacheOnCpu ? ", KV cache on the CPU" : "") +
            "; decode = bandwidth × LlmLab's measured efficiency ÷ bytes per token (KV at half the context); prefill at 50 % of dense BF16");
        Console.WriteLine($"{"GPU",-16} {"precision",-10} {"total",10} {"fits",5} {"max context",12} {"decode tok/s",13} {"prefill tok/s",14} {"tok/J",7} {"$/Mtok",8}");
        foreach (var r in rows)
        {
            var p = r.Plan.Predicted;
            string Num(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
            Console.WriteLine($"{r.Name,-16} {r.Precision,-10} {ByteCount.Format(r.Plan.Devices.Sum(d => d.TotalBytes)),10} {(r.Fits ? "yes" : "no"),5} {r.MaxContext,12} " +
                $"{Num(p?.DecodeTokensPerSecond, "F1"),13} {Num(p?.PrefillTokensPerSecond, "F0"),14} {Num(p?.TokensPerJoule, "F2"),7} {Num(p?.UsdPerMillionTokens, "G3"),8}");
        }
        return ExitCodes.Success;
    }

    // This machine's CPU (available RAM; its copy bandwidth measured when the map uses it, its prefill rate when it holds
    // layers), and the GPUs given.
    private static Dictionary<string, PlanDevice> Devices(Request request, IReadOnlyList<PlanDevice> gpus, DeviceMap map, bool withCpu = false, bool probePrefill = true)
    {
        var devices = gpus.ToDictionary(g => g.Device);
        if (withCpu || map.Devices.Contains("cpu") || map.KvCacheOnCpu)
        {
            using var cpu = new CpuBackend();
            var report = cpu.MemoryReport();
            // Measured whenever the map uses the CPU (even for the embedding's one row per token: without it no decode is predicted).
            double? bandwidth = map.Devices.Contains("cpu") || map.KvCacheOnCpu ? CpuBandwidth : null;
            // The matmul probe (a second or two) only when the CPU computes layers: the rows a prefill step multiplies.
            var prefill = probePrefill && map.Layers.Contains("cpu")
                ? ModelLocator.AsUsage(() => CpuPrefillRate.Measure(request.Model, request.Batch * Math.Min(request.PromptTokens, DecoderShape.DefaultPrefillChunk)))
                : null;
            devices["cpu"] = PlanDevice.ForCpu(report.DriverFreeBytes, report.DriverTotalBytes, bandwidth, prefill);
        }
        return devices;
    }

    private static double CpuBandwidth => MeasuredCpuBandwidth.Value;

    private static readonly Lazy<double> MeasuredCpuBandwidth = new(() =>
    {
        using var cpu = new CpuBackend();
        return cpu.MeasureCopyBandwidth(CpuCopyTestBytes, CpuCopyTestRepetitions);
    });

    // A GPU of this machine: its free memory now, and a catalog entry (for speeds) when the driver's name is known.
    private static PlanDevice LocalGpu(string device, DType compute)
    {
        IBackend backend;
        try
        {
            backend = ModelLocator.CreateBackend(device, compute);
        }
        catch (Exception e) when (e is LlmLabException or UsageException)
        {
            throw new UsageException($"{e.Message}; to plan for a GPU this machine does not have, use --gpu NAME (--gpu all: every GPU of the catalog)");
        }
        using var owned = backend;
        return ModelLocator.AsUsage(() => PlanDevice.ForLocalGpu(backend));
    }

    /// <summary>One GPU × precision of the --gpu table.</summary>
    private sealed record GpuPlanRow(string Gpu, string Name, string Precision, bool Fits, int MaxContext, ModelPlan Plan);
}
