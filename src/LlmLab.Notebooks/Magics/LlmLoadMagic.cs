using System.Diagnostics;
using LlmLab.Backends;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-load [PATH] [--device D] [--n-gpu-layers N | --device-map M | --tensor-split P] [--dtype T] [--quant TYPE] [--kv-type T] [--name NAME] [--sha256 HASH]</c>: validates a model folder or GGUF file, loads it onto a device
/// through <see cref="DeviceCatalog"/> (as <c>llmlab</c> commands do), defines a <see cref="Transformer"/> variable
/// for later cells and magics, and shows the model's <see cref="ModelSummary"/> and the SHA-256 of its weight files (<see cref="ModelFingerprint"/>).
/// </summary>
/// <param name="devices">Where backends come from; null for <see cref="DeviceCatalog.Default"/>.</param>
public sealed class LlmLoadMagic(DeviceCatalog? devices = null) : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-load", "Loads a model onto a device, defines a variable holding it, and shows its summary.")
    {
        Options =
        [
            StudyOptions.Device,
            .. StudyOptions.Placement,
            StudyOptions.ComputeType,
            StudyOptions.Quant,
            StudyOptions.KvType,
            new MagicOption("name", "Variable that receives the model (a Transformer); a model it held before is released") { ShortName = 'n', DefaultValue = ModelVariable.DefaultName, ValueName = "NAME" },
            new MagicOption("sha256", "Refuse the model unless its weight file has this SHA-256 (as the Hugging Face file page lists it)") { ValueName = "HASH" },
        ],
        Arguments = [new MagicArgument("path", $"Model folder (config.json, *.safetensors, tokenizer.json) or .gguf file; default: the embedded model {EmbeddedModel.RelativeDirectory}") { IsRequired = false }],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var name = options.GetString("name")!;
        VariableNames.Validate(name);
        var path = EmbeddedModel.Resolve(options.GetString("path"));
        var quant = options.GetString("quant") is { } q ? QuantizationMix.Parse(q) : null;
        // The weight files' SHA-256 (hashed once per file, then cached by path, size and mtime) lets the study's report
        // name exactly which bytes it measured. With --sha256 they are hashed before loading, so a mismatched model
        // is refused before any memory is spent on it; otherwise after, so a bad path gets the loader's own message.
        var expected = options.GetString("sha256");
        var fingerprint = expected is null ? null : ModelFingerprint.Of(path);
        if (expected is not null) fingerprint!.Require(expected);
        var clock = Stopwatch.StartNew();
        var model = (devices ?? DeviceCatalog.Default).Load(path, StudyOptions.PlacementFrom(options), options.GetString("device"),
            DeviceCatalog.ParseComputeType(options.GetString("dtype")), quant: quant, kvType: StudyOptions.KvTypeFrom(options));
        var summary = ModelSummary.Of(model);
        var seconds = clock.Elapsed.TotalSeconds;
        session.TryGetVariable(name, out var previous);
        await session.DefineVariableAsync(name, model, cancellationToken);
        if (previous is Transformer old && !ReferenceEquals(old, model)) old.Dispose();
        string where = model.Backends.Count == 1 ? model.Backend.Device : model.Map.Describe();
        await session.Out.WriteLineAsync(FormattableString.Invariant($"{name}: {Path.GetFileName(path)} loaded on {where} in {seconds:F2} s"));
        foreach (string line in PlannedBesideHeld(model)) await session.Out.WriteLineAsync(line);
        session.Display(summary);
        session.Display(fingerprint ?? ModelFingerprint.Of(path));
    }

    /// <summary>Context the load-time plan shows a session's KV cache for: llama.cpp's default n_ctx, or the model's when shorter.</summary>
    private const int PlannedContext = 4096;

    /// <summary>
    /// Per device of the model's map, the planner's weights (computed from the manifest before loading) beside what the
    /// device's ledger holds now, and what a session of <see cref="PlannedContext"/> tokens would add.
    /// </summary>
    internal static IEnumerable<string> PlannedBesideHeld(Transformer model)
    {
        int context = Math.Min(PlannedContext, model.Config.MaxPositionEmbeddings);
        var gpuType = model.Map.Devices.Where(d => d != "cpu").Select(d => model.BackendOf(d).ActivationType).FirstOrDefault(MemoryPlanner.DefaultGpuComputeType);
        var plan = MemoryPlanner.Plan(PlanModel.Of(model),
            model.Map, context, 1, new Dictionary<string, PlanDevice>(), gpuType);
        foreach (var d in plan.Devices)
            yield return $"  {d.Device}: weights planned {ByteCount.Format(d.WeightsBytes)}, held {ByteCount.Format(model.BackendOf(d.Device).Memory[MemoryCategory.Weights])}; " +
                $"a session of {context} tokens adds KV cache {ByteCount.Format(d.KvCacheBytes)} + workspace {ByteCount.Format(d.WorkspaceBytes)}";
    }
}
