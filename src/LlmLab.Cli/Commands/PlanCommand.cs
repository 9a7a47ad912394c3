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
            StudyOptions.Device with { Description = "The device to plan for: cpu, or cuda:N (a GPU on this machine: its free memory)" },
            new MagicOption("n-gpu-layers", "llama.cpp's split: the last N layers (the output head counting as one, offloaded first) on the GPU, the rest on the CPU; a number or all") { ValueName = "N" },
            new MagicOption("gpu", "Plan for catalog GPUs instead of a local device: a name (h100-sxm, rtx-4090, …), a comma-separated list, or all (a table); with --device-map or --tensor-split, the machine's GPUs in order (h100-sxm,h100-sxm: cuda:0, cuda:1)") { ValueName = "NAME" },
            new MagicOption("device-map", "Placement over the GPUs and the CPU: auto, balanced, balanced_low_0 or sequential (accelerate's, sized by this planner), a device (cpu, cuda:N), or a JSON file {\"embed\": \"cuda:0\", \"layers.0-15\": \"cuda:0\", \"layers.16-31\": \"cuda:1\", \"norm\": \"cuda:1\", \"head\": \"cuda:1\"}") { ValueName = "STRATEGY|DEVICE|FILE.json" },
            new MagicOption("max-memory", "Budgets of --device-map auto|balanced|balanced_low_0|sequential, e.g. cuda:0=20GiB,cuda:1=20GiB,cpu=64GiB (default: each GPU's free memory, the host's available RAM)") { ValueName = "DEV=SIZE,…" },
            new MagicOption("tensor-split", "llama.cpp's layer split: proportions of the offloaded layers over cuda:0, cuda:1, … (e.g. 3,1); with --n-gpu-layers, of those layers") { ValueName = "P0,P1,…" },
            new MagicOption("kv-offload", "Where each layer's KV cache lives: layer (with the layer, default) or none (all on the CPU, llama.cpp's -nkvo)") { Choices = ["layer", "none"], DefaultValue = "layer", ValueName = "layer|none" },
            StudyOptions.ComputeType with { Description = "GPU compute type (bf16 default, f16, f32); the CPU computes in f32" },
            CliOptions.Json,
        ],
        Details = """
            Sizes every device of the placement from the tensor manifest and the backends' own rules: weights as the
            backend holds them, the KV cache of batch × context tokens, activations and workspace, and on a GPU the
            runtime's overhead (CUDA context, cuBLASLt, modules: 560 MiB measured). Predicts decode tok/s as bandwidth ×
            LlmLab's measured efficiency ÷ bytes per token, and prefill from tensor throughput. Exit 1 when the plan does
            not fit, with one line naming the device, what is needed and free, and what would fit.
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
        var model = ModelLocator.AsUsage(() => PlanModel.Resolve(modelName, quant));
        int context = o.GetInt32("context") ?? Math.Min(DefaultContext, model.Config.MaxPositionEmbeddings);
        int batch = o.GetInt32("batch")!.Value;
        var compute = ModelLocator.ParseDType(o.GetString("dtype")) ?? MemoryPlanner.DefaultGpuComputeType;
        string? gpuLayers = o.GetString("n-gpu-layers");
        bool json = o.GetFlag("json");
        var placement = new Placement(o.GetString("device-map"), o.GetString("tensor-split"), o.GetString("max-memory"), gpuLayers,
            o.GetString("kv-offload") == "none");
        ModelLocator.AsUsage(() => { MemoryPlanner.CheckRequest(model, context, batch); return true; });
        CheckConflicts(placement, o.Has("device") ? o.GetString("device") : null);

        if (o.GetString("gpu") is { } gpuText)
        {
            if (placement.PlacesOverGpus)
            {
                var machine = ModelLocator.AsUsage(() => GpuCatalog.ParseMachine(gpuText));
                return Placed(model, placement, machine.Select((g, i) => PlanDevice.ForCatalogGpu($"cuda:{i}", g)).ToArray(), context, batch, compute, json);
            }
            var gpus = ModelLocator.AsUsage(() => GpuCatalog.Parse(gpuText));
            if (gpus.Count > 1) return Table(modelName, model, quant, gpus, placement, context, batch, compute, json);
            return Single(model, "cuda:0", PlanDevice.ForCatalogGpu("cuda:0", gpus[0]), placement, context, batch, compute, json);
        }
        if (placement.PlacesOverGpus)
        {
            int count = DeviceCatalog.Default.SurveyGpus().Gpus.Count;
            return Placed(model, placement, Enumerable.Range(0, count).Select(i => LocalGpu($"cuda:{i}", compute)).ToArray(), context, batch, compute, json);
        }
        string device = ModelLocator.AsUsage(() => DeviceMap.CheckDevice(o.GetString("device") ?? "cpu"));
        return Single(model, device, device == "cpu" ? null : LocalGpu(device, compute), placement, context, batch, compute, json);
    }

    // Two placement options that each decide where the layers go, or a budget without the strategy it is for.
    private static void CheckConflicts(Placement p, string? device)
    {
        if (p.MapText is not null && p.GpuLayers is not null)
            throw new UsageException("--device-map and --n-gpu-layers both place the layers; give one (--device-map sequential with --max-memory cuda:0=SIZE caps the GPU's share by bytes)");
        if (p.MapText is not null && p.TensorSplit is not null)
            throw new UsageException("--device-map and --tensor-split both place the layers; give one");
        if (p.PlacesOverGpus && device is not null)
            throw new UsageException($"--device {device} puts everything on one device; with --{(p.MapText is not null ? "device-map" : "tensor-split")} leave it out (the GPUs are this machine's, or --gpu NAME,NAME…)");
        if (p.MaxMemory is not null && p.Strategy is null)
            throw new UsageException("--max-memory sets the budgets of --device-map auto|balanced|balanced_low_0|sequential; give one of those with it" +
                (p.MapText is not null ? $" (--device-map {p.MapText} places the layers itself)" : ""));
    }

    // A device map over the GPUs given (catalog or local) and the CPU.
    private static int Placed(PlanModel model, Placement placement, IReadOnlyList<PlanDevice> gpus, int context, int batch, DType compute, bool json)
    {
        int layers = model.Config.NumLayers;
        var maxMemory = placement.MaxMemory is { } text ? ModelLocator.AsUsage(() => MaxMemory.Parse(text, gpus.Count)) : null;
        var map = ModelLocator.AsUsage(() =>
        {
            if (placement.TensorSplit is { } split)
            {
                var proportions = DeviceMap.ParseTensorSplit(split, gpus.Count);
                int offloaded = placement.GpuLayers is { } n ? DeviceMap.ParseGpuLayers(n, layers) : layers + 1;
                return DeviceMap.TensorSplit(proportions, offloaded, layers);
            }
            string form = placement.MapText!;
            if (placement.Strategy is { } strategy)
            {
                // accelerate: only the devices max_memory names are used; the CPU takes the rest whatever it names.
                var budgets = maxMemory is not null
                    ? maxMemory.Where(b => b.Key != "cpu").ToDictionary()
                    : gpus.ToDictionary(g => g.Device, g => g.FreeBytes ?? 0);
                return AutoDeviceMap.Infer(model, strategy, budgets, context, batch, compute, placement.KvCacheOnCpu);
            }
            // A device ("cpu", "cuda:1"; "tpu:0" is refused as a device), else a file.
            if (form == "cpu" || form.StartsWith("cuda", StringComparison.Ordinal) || (form.Contains(':', StringComparison.Ordinal) && !File.Exists(form)))
                return DeviceMap.OnDevice(DeviceMap.CheckDevice(form, gpus.Count, "--device-map"), layers);
            return DeviceMap.FromJsonFile(form, layers, gpus.Count);
        }) with { KvCacheOnCpu = placement.KvCacheOnCpu };

        // The CPU is always known here, so that a suggested map that offloads to it is checked against its memory.
        var devices = Devices(gpus, map, withCpu: true);
        if (maxMemory is not null)
            foreach (var (device, budget) in maxMemory)
                if (devices.TryGetValue(device, out var info))
                    devices[device] = info with { FreeBytes = Math.Min(info.FreeBytes ?? budget, budget) };
        return Report(model, map, devices, context, batch, compute, json);
    }

    private static int Single(PlanModel model, string device, PlanDevice? gpu, Placement placement, int context, int batch, DType compute, bool json)
    {
        var map = Map(model, device, placement);
        return Report(model, map, Devices(gpu is null ? [] : [gpu], map), context, batch, compute, json);
    }

    private static int Report(PlanModel model, DeviceMap map, Dictionary<string, PlanDevice> devices, int context, int batch, DType compute, bool json)
    {
        var plan = ModelLocator.AsUsage(() => MemoryPlanner.Plan(model, map, context, batch, devices, compute));
        if (!plan.Fits) plan = plan with { Advice = MemoryPlanner.Advice(model, map, context, batch, devices, compute) };
        Console.WriteLine(json ? JsonSerializer.Serialize(plan, BenchResult.JsonOptions) : plan.Describe());
        if (plan.Fits) return ExitCodes.Success;
        Console.Error.WriteLine("llmlab plan: " + plan.MisfitMessage());
        return ExitCodes.BadData;
    }

    // GPU × precision: fits at the context asked, the longest context that fits, predicted speeds.
    private static int Table(string modelName, PlanModel model, QuantizationMix? quant, IReadOnlyList<GpuSpec> gpus, Placement placement, int context, int batch,
        DType compute, bool json)
    {
        var models = quant is not null || model.Manifest.Weights.Any(w => w.Format.IsBlockQuantized())
            ? [(quant?.Name ?? "as stored", model)]
            : TablePrecisions.Select(p => (p, p == "BF16" ? model : ModelLocator.AsUsage(() => PlanModel.Resolve(modelName, QuantizationMix.Parse(p))))).ToArray();
        var rows = new List<GpuPlanRow>();
        foreach (var gpu in gpus)
            foreach (var (precision, m) in models)
            {
                var map = Map(m, "cuda:0", placement);
                var devices = Devices([PlanDevice.ForCatalogGpu("cuda:0", gpu)], map);
                var plan = MemoryPlanner.Plan(m, map, context, batch, devices, compute);
                rows.Add(new GpuPlanRow(gpu.Id, gpu.Name, precision, plan.Fits, MemoryPlanner.MaxContext(m, map, batch, devices, compute), plan));
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

    // One device, or llama.cpp's --n-gpu-layers split of it; every KV cache on the CPU under --kv-offload none.
    private static DeviceMap Map(PlanModel model, string device, Placement placement)
    {
        int layers = model.Config.NumLayers;
        var map = placement.GpuLayers is { } gpuLayers
            ? ModelLocator.AsUsage(() => DeviceMap.GpuLayers(device, DeviceMap.ParseGpuLayers(gpuLayers, layers), layers))
            : DeviceMap.OnDevice(device, layers);
        return map with { KvCacheOnCpu = placement.KvCacheOnCpu };
    }

    // This machine's CPU (available RAM; its copy bandwidth measured when the map uses it), and the GPUs given.
    private static Dictionary<string, PlanDevice> Devices(IReadOnlyList<PlanDevice> gpus, DeviceMap map, bool withCpu = false)
    {
        var devices = gpus.ToDictionary(g => g.Device);
        if (withCpu || map.Devices.Contains("cpu") || map.KvCacheOnCpu)
        {
            using var cpu = new CpuBackend();
            var report = cpu.MemoryReport();
            // Measured whenever the map uses the CPU (even for the embedding's one row per token: without it no decode is predicted).
            double? bandwidth = map.Devices.Contains("cpu") || map.KvCacheOnCpu ? CpuBandwidth : null;
            devices["cpu"] = PlanDevice.ForCpu(report.DriverFreeBytes, report.DriverTotalBytes, bandwidth);
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
        if (backend is not IMemoryPlanner planner) throw new UsageException($"{device} cannot report its free memory");
        var (free, total) = planner.DriverMemory();
        string? name = (backend as ITelemetrySource)?.DeviceName;
        var spec = GpuCatalog.FindByDriverName(name);
        return spec is null
            ? new PlanDevice(device, name, free, total, null, 0, "not in the GPU catalog: no speed prediction")
            : PlanDevice.ForCatalogGpu(device, spec) with { Name = name, FreeBytes = free, TotalBytes = total };
    }

    /// <summary>The placement options as given: the forms that place layers, the budgets, and where the KV caches live.</summary>
    private sealed record Placement(string? MapText, string? TensorSplit, string? MaxMemory, string? GpuLayers, bool KvCacheOnCpu)
    {
        /// <summary>The accelerate strategy --device-map names, if it names one.</summary>
        public DeviceMapStrategy? Strategy => MapText is null ? null : AutoDeviceMap.ParseStrategy(MapText);

        /// <summary>Whether the placement spreads the model over the machine's GPUs (cuda:0 … from --gpu or this machine).</summary>
        public bool PlacesOverGpus => MapText is not null || TensorSplit is not null;
    }

    /// <summary>One GPU × precision of the --gpu table.</summary>
    private sealed record GpuPlanRow(string Gpu, string Name, string Precision, bool Fits, int MaxContext, ModelPlan Plan);
}
