using LlmLab.Backends.Cpu;
using LlmLab.Models;

namespace LlmLab.Planning;

/// <summary>
/// This CPU's prefill compute rate for a model: the CPU backend's own matrix product timed on each weight format and
/// shape the model's layers use (<see cref="CpuMatMulProbe"/>), combined by each one's share of the FLOPs, × the fraction of
/// it that LlmLab's whole prefill reaches (<see cref="PlanDevice.CpuPrefillFractionOfProbe"/>: attention, norms, RoPE,
/// activation quantization and the hand-offs between ops, which the probe leaves out).
/// </summary>
/// <param name="Probes">One probe per format and shape of the layers' matrices, largest share first.</param>
/// <param name="ProbeFlopsPerSecond">The layers' matrix FLOPs ÷ the time the probes' rates give them, FLOP/s.</param>
public sealed record CpuPrefillRate(IReadOnlyList<CpuFormatProbe> Probes, double ProbeFlopsPerSecond)
{
    /// <summary>Time each shape's probe runs for after its untimed product (the whole probe is this × the distinct shapes, plus one product each).</summary>
    public static readonly TimeSpan DefaultBudgetPerShape = TimeSpan.FromMilliseconds(200);

    /// <summary>The rate prefill is predicted at: <see cref="ProbeFlopsPerSecond"/> × <see cref="PlanDevice.CpuPrefillFractionOfProbe"/>, FLOP/s.</summary>
    public double FlopsPerSecond => ProbeFlopsPerSecond * PlanDevice.CpuPrefillFractionOfProbe;

    /// <summary>"matmul probe BF16 52.1 GFLOP/s (W [8192, 2048] × 16 rows) × 80 % (LlmLab's CPU prefill fraction)".</summary>
    public string Basis =>
        $"matmul probe {string.Join(", ", Probes.Select(p => $"{p.Format} {p.FlopsPerSecond / 1e9:F1} GFLOP/s (W [{p.WeightRows}, {p.Cols}] × {p.XRows} rows, {p.FlopShare:P0} of the FLOPs)"))}" +
        $" = {ProbeFlopsPerSecond / 1e9:F1} GFLOP/s × {PlanDevice.CpuPrefillFractionOfProbe:P0} (LlmLab's CPU prefill fraction)";

    /// <summary>
    /// Probes each distinct (format, shape) of <paramref name="model"/>'s layer matrices with <paramref name="xRows"/>
    /// activation rows (batch × the prompt, at most one 512-token chunk: the rows a prefill step multiplies), each for
    /// <paramref name="budgetPerShape"/> (default <see cref="DefaultBudgetPerShape"/>).
    /// </summary>
    /// <exception cref="InvalidOptionException">The model has no layer matrices, or one in a format the CPU backend cannot multiply.</exception>
    public static CpuPrefillRate Measure(PlanModel model, int xRows, TimeSpan? budgetPerShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var matrices = model.Manifest.Weights.Where(w => w.Layer is not null && w.Shape.Length == 2).ToArray();
        double total = matrices.Sum(w => (double)w.Elements);
        if (total == 0) throw new InvalidOptionException($"{model.Name} has no layer matrices to predict a prefill from");
        var probes = new List<CpuFormatProbe>();
        // Every distinct matrix shape of each format, by its share of the FLOPs: a prefill product's rate depends on its
        // shape too (with 512 rows, the MLP's down projection sweeps k = 8192 columns of activations per weight row).
        foreach (var group in matrices.GroupBy(w => (w.Format, Rows: w.Shape[0], Cols: w.Shape[1])).OrderByDescending(g => g.Sum(w => w.Elements)))
        {
            var (format, rows, cols) = (group.Key.Format, checked((int)group.Key.Rows), checked((int)group.Key.Cols));
            double rate;
            try
            {
                rate = CpuMatMulProbe.MeasureFlopsPerSecond(format, rows, cols, xRows, budgetPerShape ?? DefaultBudgetPerShape);
            }
            catch (ArgumentException e)
            {
                throw new InvalidOptionException($"{model.Name}: cannot predict the CPU prefill of '{group.First().Name}': {e.Message}");
            }
            probes.Add(new CpuFormatProbe(format, CpuMatMulProbe.ProbedRows(format, rows, cols), cols, Math.Min(xRows, CpuMatMulProbe.MaxXRows),
                group.Sum(w => (double)w.Elements) / total, rate));
        }
        return new CpuPrefillRate(probes, Combine(probes));
    }

    /// <summary>The rate of the whole: 1 ÷ Σ share ÷ rate (each format's FLOPs at its own rate, one after another).</summary>
    public static double Combine(IEnumerable<CpuFormatProbe> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        return 1 / probes.Sum(p => p.FlopShare / p.FlopsPerSecond);
    }
}
