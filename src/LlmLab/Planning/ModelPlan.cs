using System.Text.Json.Serialization;
using LlmLab.Backends;

namespace LlmLab.Planning;

/// <summary>A memory plan of a model over a device map, computed before anything is allocated.</summary>
/// <param name="Model">The model as named.</param>
/// <param name="Quantization">The mix applied, or null (as stored).</param>
/// <param name="BitsPerWeight">Average bits per weight as stored.</param>
/// <param name="Context">Tokens per sequence the KV cache holds.</param>
/// <param name="Batch">Sequences.</param>
/// <param name="Map">The device map in words.</param>
/// <param name="Devices">Bytes per device by category.</param>
/// <param name="Predicted">Predicted speeds, when every device has a bandwidth.</param>
public sealed record ModelPlan(string Model, string? Quantization, double BitsPerWeight, int Context, int Batch, string Map, IReadOnlyList<DevicePlan> Devices,
    PlanSpeed? Predicted)
{
    /// <summary>Prompt tokens per sequence the time to first token is predicted for (<see cref="PlanSpeed.TtftMs"/>); null: none planned.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Whether every device fits (devices of unknown free memory count as fitting).</summary>
    public bool Fits => Devices.All(d => d.Fits != false);

    /// <summary>What would fit instead, computed by <see cref="MemoryPlanner.Advice"/>, when the plan does not fit.</summary>
    public string? Advice { get; init; }

    /// <summary>The first device that does not fit, or null.</summary>
    [JsonIgnore]
    public DevicePlan? FirstMisfit => Devices.FirstOrDefault(d => d.Fits == false);

    /// <summary>The plan as lines of text.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"plan: {Model} ({Quantization ?? "as stored"}, {BitsPerWeight:F2} bits per weight), context {Context} × batch {Batch}; {Map}",
        };
        lines.AddRange(Devices.Select(d => "  " + d.Describe()));
        if (Predicted is { } p)
        {
            string devices = string.Join(" + ", Devices.Where(d => d.Predicted is not null).Select(d =>
                $"{d.Device} {d.Predicted!.BytesPerToken / 1e6:F1} MB ÷ {d.Predicted.EffectiveGBps:F0} GB/s = {d.Predicted.MsPerToken:F3} ms"));
            lines.Add($"  predicted decode {p.DecodeTokensPerSecond:F1} tok/s per sequence ({devices}; {string.Join("; ", Devices.Where(d => d.Predicted is not null).Select(d => d.Predicted!.Basis).Distinct())})");
            if (p.PrefillTokensPerSecond is { } prefill)
                lines.Add($"  predicted prefill {prefill:F0} tok/s ({p.PrefillFlopsPerToken / 1e9:F2} GFLOP per token at {p.PrefillBasis})");
            if (p.TtftMs is { } ttft)
                lines.Add($"  predicted TTFT {ttft:F1} ms for a prompt of {PromptTokens} tokens" + (Batch > 1 ? $" × batch {Batch}" : "") +
                    " (its FLOPs at the prefill rate + one read of the output head at decode bandwidth)");
            if (p.TokensPerJoule is { } tpj) lines.Add($"  {tpj:F2} tokens per joule at TDP" + (p.UsdPerMillionTokens is { } usd ? $"; ${usd:F3} per million tokens (launch price over {MemoryPlanner.AmortizationYears} years of decoding)" : ""));
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Bytes of weights over all devices (a tied head copied to another device counted twice).</summary>
    public long WeightsBytes => Devices.Sum(d => d.WeightsBytes);

    /// <summary>"cuda:0 needs 18.5 GiB (…), 12.0 GiB free of 12.0 GiB: …" for the first device that does not fit.</summary>
    public string? MisfitMessage()
    {
        if (FirstMisfit is not { } d) return null;
        string device = d.Name is null ? d.Device : $"{d.Device} ({d.Name})";
        return MemoryFit.Message(device, d.ToMemoryPlan(), d.FreeBytes!.Value, d.DeviceBytes ?? d.FreeBytes.Value, advice: Advice);
    }
}
