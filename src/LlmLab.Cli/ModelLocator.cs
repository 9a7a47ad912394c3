using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;
using LlmLab.Tensors;

namespace LlmLab.Cli;

/// <summary>
/// The CLI's view of <see cref="EmbeddedModel"/> and <see cref="DeviceCatalog"/> (shared with the notebook magics):
/// the same lookups, with bad options reported as usage errors (exit code 2).
/// </summary>
internal static class ModelLocator
{
    /// <summary>The model folder: --model, else the embedded model (data/models/brown-llama-7m) found above the current directory or the program.</summary>
    public static string Resolve(string? model) => AsUsage(() =>
    {
        string path = EmbeddedModel.Resolve(model);
        ModelFiles.CheckIsModel(path);
        return path;
    });

    /// <summary>Parses --dtype for compute (f32, bf16, f16).</summary>
    public static DType? ParseDType(string? text) => AsUsage(() => DeviceCatalog.ParseComputeType(text));

    /// <summary>The backend <see cref="DeviceCatalog.Default"/> builds for <paramref name="device"/>.</summary>
    public static IBackend CreateBackend(string? device, DType? dtype) => AsUsage(() => DeviceCatalog.Default.CreateBackend(device, dtype));

    /// <summary>
    /// Loads the model folder on the backend <see cref="DeviceCatalog.Default"/> builds for <paramref name="device"/>
    /// ("cpu", "cuda", "cuda:N"). On a GPU the memory plan for <paramref name="batch"/> × <paramref name="context"/>
    /// tokens is checked against free memory first, so a model that cannot fit fails before anything is allocated.
    /// </summary>
    public static Transformer Load(string? model, string? device, DType? dtype, int batch = 1, int? context = null, QuantizationMix? quant = null,
        KvCacheType kvType = KvCacheType.Default)
    {
        string path = Resolve(model);
        return Reported(AsUsage(() => DeviceCatalog.Default.Load(path, device, dtype, batch, context, quant, kvType)));
    }

    /// <summary>
    /// Loads the model the parsed <see cref="CliOptions.Loading"/> options name (<c>--model</c>, <c>--device</c> and
    /// the placement options, <c>--dtype</c>, <c>--quant</c>, <c>--kv-type</c>): on one device, or over the map they describe, each device's
    /// memory plan checked before anything is allocated.
    /// </summary>
    public static Transformer Load(MagicOptionValues options, int batch = 1, int? context = null)
    {
        string path = Resolve(options.GetString("model"));
        var dtype = ParseDType(options.GetString("dtype"));
        var quant = ParseQuant(options.GetString("quant"));
        var placement = AsUsage(() => StudyOptions.PlacementFrom(options));
        var kvType = AsUsage(() => StudyOptions.KvTypeFrom(options));
        return Reported(AsUsage(() => DeviceCatalog.Default.Load(path, placement, options.GetString("device"), dtype, batch, context, quant, kvType)));
    }

    /// <summary>Says on stderr when the CPU backend left weights in the mapped file for lack of RAM (they then run slower).</summary>
    private static Transformer Reported(Transformer transformer)
    {
        foreach (var cpu in transformer.Backends.OfType<Backends.Cpu.CpuBackend>())
            if (cpu.WeightBytesLeftMapped > 0)
                Console.Error.WriteLine($"llmlab: {cpu.WeightBytesLeftMapped / (double)(1L << 30):F2} GiB of weights stay in the memory-mapped file: " +
                    "RAM had no room for the CPU backend's copy, so their products read the page cache (slower; free memory or use a smaller --quant)");
        return transformer;
    }

    /// <summary>Parses --quant (a llama.cpp mix name such as Q4_K_M); null stays null.</summary>
    public static QuantizationMix? ParseQuant(string? text) => text is null ? null : AsUsage(() => QuantizationMix.Parse(text));

    /// <summary>Runs <paramref name="lookup"/>, reporting a bad option (<see cref="InvalidOptionException"/>) as a usage error (exit code 2).</summary>
    public static T AsUsage<T>(Func<T> lookup)
    {
        try { return lookup(); }
        catch (InvalidOptionException e) { throw new UsageException(e.Message); }
    }
}
