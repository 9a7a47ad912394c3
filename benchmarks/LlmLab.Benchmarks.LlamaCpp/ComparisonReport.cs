using System.Text.Json;

namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>The comparison as a Markdown table (stdout, README) and as JSON.</summary>
internal static class ComparisonReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string Table(IReadOnlyList<ComparisonRow> rows)
    {
        var lines = new List<string>
        {
            "| model | type | file | bytes/token | P/N | LlmLab pp tok/s | LlmLab tg tok/s | llama.cpp pp tok/s | llama.cpp tg tok/s | pp ratio | tg ratio | LlmLab tg roofline | llama.cpp tg roofline | LlmLab load s | llama.cpp load s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        foreach (var r in rows)
            lines.Add($"| {r.Model} | {r.Type} | {Mb(r.FileBytes)} | {Mb(r.BytesPerDecodeToken)} | {r.PromptTokens}/{r.DecodeTokens} " +
                      $"| {r.LlmLabPrefill} | {r.LlmLabDecode} | {r.LlamaCppPrefill} | {r.LlamaCppDecode} " +
                      $"| {r.PrefillRatio:F2} | {r.DecodeRatio:F2} | {r.LlmLabRoofline:P0} | {r.LlamaCppRoofline:P0} | {r.LlmLabLoadSeconds:F2} | {r.LlamaCppLoadSeconds:F2} |");
        return string.Join('\n', lines);
    }

    public static string ToJson(string machine, string llamaCppFeatures, int threads, int repetitions, double bandwidth, IReadOnlyList<ComparisonRow> rows) =>
        JsonSerializer.Serialize(new
        {
            machine,
            llamaCppFeatures,
            threads,
            repetitions,
            copyBandwidthGBps = bandwidth / 1e9,
            rows = rows.Select(r => new
            {
                r.Model, r.Type, r.FileBytes, r.BytesPerDecodeToken, r.PromptTokens, r.DecodeTokens,
                r.LlmLabPrefill, r.LlmLabDecode, r.LlamaCppPrefill, r.LlamaCppDecode,
                r.PrefillRatio, r.DecodeRatio, r.LlmLabRoofline, r.LlamaCppRoofline, r.LlmLabLoadSeconds, r.LlamaCppLoadSeconds,
            }),
        }, Json);

    private static string Mb(long bytes) => $"{bytes / 1e6:F1} MB";
}
