using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.Evaluation;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab compare</c>: a model's next-token distributions against a base model's over a text, with the statistics
/// of <c>llama-perplexity --kl-divergence</c> (both perplexities, ln ratio, KLD percentiles, Δp, same top).
/// </summary>
internal static class CompareCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("compare", "Compares a model's next-token distributions with a base model's over a text (KL divergence, as llama-perplexity).")
    {
        Options =
        [
            new MagicOption("base", "Base (reference) model folder or .gguf file") { IsRequired = true, ValueName = "DIR|FILE.gguf" },
            CliOptions.RequiredModel,
            StudyOptions.Quant with { Description = "Convert the --model's weights at load time by this llama.cpp mix (Q8_0, Q4_K_M, …); the base loads as stored" },
            StudyOptions.KvType with { Description = "Store the --model's KV cache as f32, f16, bf16, q8_0, q4_0 or fp8 (the base keeps the backend's own): what a KV cache type costs, measured as llama-perplexity measures --cache-type-k/v" },
            new MagicOption("text", "Text file, tokenized whole with the base's tokenizer") { ShortName = 't', IsRequired = true, ValueName = "FILE" },
            .. StudyOptions.Compare,
            StudyOptions.Device,
            StudyOptions.ComputeType,
            CliOptions.Json,
        ],
        Details = """
            `compare --base M --model M --quant Q4_K_M` measures what that quantization costs without writing a file;
            `compare --base M --model M --kv-type q8_0` what a quantized KV cache costs.
            As llama-perplexity --kl-divergence: the whole text is tokenized once (BOS first in every chunk when the tokenizer
            adds one) and cut into K chunks of N tokens (default 512, all chunks that fit); positions N/2..N-2 of each chunk
            are scored with both models. Reports both perplexities, ln(PPL ratio), KL divergence percentiles, Δp and same top.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string basePath = o.GetString("base")!, modelPath = o.GetString("model")!, text = o.GetString("text")!;
        int ctx = o.GetInt32("ctx")!.Value;
        int? chunks = o.GetInt32("chunks");
        string? device = o.GetString("device");
        var dtype = ModelLocator.ParseDType(o.GetString("dtype"));
        var quant = ModelLocator.ParseQuant(o.GetString("quant"));
        var kvType = ModelLocator.AsUsage(() => StudyOptions.KvTypeFrom(o));
        if (!File.Exists(text)) throw new UsageException($"--text {text} not found");

        using var baseModel = Load(basePath, device, dtype, ctx, null, Backends.KvCacheType.Default);
        using var model = Load(modelPath, device, dtype, ctx, quant, kvType);
        var tokens = ComparisonText.Encode(ModelTokenizer.Load(baseModel.ModelPath), File.ReadAllText(text), text);
        var progress = new ChunkProgress();
        var result = ModelComparison.Run(baseModel, model, tokens, ctx, chunks, progress);
        progress.Done();
        Console.WriteLine(o.GetFlag("json") ? JsonSerializer.Serialize(result, BenchResult.JsonOptions) : Describe(result));
        return ExitCodes.Success;
    }

    /// <summary>
    /// Loads one side through the CLI's one model loader (<see cref="ModelLocator.Load(string?, string?, Tensors.DType?, int, int?, Models.QuantizationMix?, Backends.KvCacheType)"/>): model folders and GGUF
    /// files, converted by a quantization mix when one is given, with its KV cache stored as <paramref name="kvType"/>.
    /// </summary>
    private static Transformer Load(string path, string? device, Tensors.DType? dtype, int ctx, Models.QuantizationMix? quant, Backends.KvCacheType kvType) =>
        ModelLocator.Load(path, device, dtype, batch: 1, context: ctx, quant: quant, kvType: kvType);

    /// <summary>
    /// llama-perplexity's closing statistics, its labels kept so the two can be read side by side, percentiles on one
    /// line each. Values below 0.001 (nats, or % for Δp) are printed in scientific notation: a near-lossless copy's
    /// KLD of 1e-9 would otherwise read as 0.000000.
    /// </summary>
    internal static string Describe(CompareResult r)
    {
        var k = r.Kld;
        var d = r.DeltaP;
        string P(double fraction) => Figure(100 * fraction, "F3") + "%";
        var s = new StringBuilder();
        s.AppendLine($"compare {r.Model.Path} against base {r.Base.Path}");
        s.AppendLine($"  {r.Text}: {r.Chunks} chunks of {r.Ctx} tokens{(r.BosTokenId is { } bos ? $" (BOS {bos} first)" : "")}, {r.Tokens} tokens scored, {r.Seconds:F1} s on {r.Model.Device}");
        s.AppendLine($"Mean PPL(Q)                   : {Figure(r.Model.Perplexity)} ± {Figure(r.Model.PerplexityError)}");
        s.AppendLine($"Mean PPL(base)                : {Figure(r.Base.Perplexity)} ± {Figure(r.Base.PerplexityError)}");
        s.AppendLine($"Cor(ln(PPL(Q)), ln(PPL(base))): {(r.LogProbCorrelation is { } c ? $"{100 * c:F2}%" : "n/a (no spread: 10 tokens or fewer)")}");
        s.AppendLine($"Mean ln(PPL(Q)/PPL(base))     : {Figure(r.LnPerplexityRatio)} ± {Figure(r.LnPerplexityRatioError)}");
        s.AppendLine($"Mean PPL(Q)/PPL(base)         : {Figure(r.PerplexityRatio)} ± {Figure(r.PerplexityRatioError)}");
        s.AppendLine($"Mean PPL(Q)-PPL(base)         : {Figure(r.PerplexityDifference)} ± {Figure(r.PerplexityDifferenceError)}");
        s.AppendLine($"Mean    KLD                   : {Figure(k.Mean)} ± {Figure(k.MeanError)}");
        s.AppendLine($"KLD max {Figure(k.Max)} · 99.9% {Figure(k.P999)} · 99% {Figure(k.P99)} · 95% {Figure(k.P95)} · 90% {Figure(k.P90)} · median {Figure(k.Median)} · " +
            $"10% {Figure(k.P10)} · 5% {Figure(k.P5)} · 1% {Figure(k.P1)} · 0.1% {Figure(k.P001)} · min {Figure(k.Min)}");
        s.AppendLine($"Mean    Δp                    : {P(d.Mean)} ± {P(d.MeanError)}");
        s.AppendLine($"Δp max {P(d.Max)} · 99.9% {P(d.P999)} · 99% {P(d.P99)} · 95% {P(d.P95)} · 90% {P(d.P90)} · 75% {P(d.P75)} · median {P(d.Median)} · " +
            $"25% {P(d.P25)} · 10% {P(d.P10)} · 5% {P(d.P5)} · 1% {P(d.P1)} · 0.1% {P(d.P001)} · min {P(d.Min)}");
        s.AppendLine($"RMS Δp                        : {P(d.Rms)} ± {P(d.RmsError)}");
        s.Append($"Same top p                    : {P(r.SameTopFraction)} ± {P(r.SameTopError)}");
        return s.ToString();
    }

    /// <summary>Fixed decimals as llama-perplexity prints (six, three for percentages), or three significant digits in scientific notation below 0.001.</summary>
    private static string Figure(double value, string fixedFormat = "F6") => value == 0 || Math.Abs(value) >= 1e-3 ? value.ToString(fixedFormat, CultureInfo.InvariantCulture)
        : value.ToString("0.000e+0", CultureInfo.InvariantCulture);

    /// <summary>"chunk i/K" on one updating stderr line when stderr is a terminal; nothing when it is redirected.</summary>
    private sealed class ChunkProgress : IProgress<CompareProgress>
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private string _last = "";

        public void Report(CompareProgress value)
        {
            if (!_interactive) return;
            string line = $"compare: chunk {value.Chunk}/{value.Chunks}";
            Console.Error.Write("\r" + line.PadRight(_last.Length));
            _last = line;
        }

        public void Done()
        {
            if (_interactive && _last.Length > 0) Console.Error.Write("\r" + new string(' ', _last.Length) + "\r");
        }
    }
}
