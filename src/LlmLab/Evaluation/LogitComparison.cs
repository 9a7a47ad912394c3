using System.Numerics.Tensors;

namespace LlmLab.Evaluation;

/// <summary>How close one set of logits is to a reference: the figures quantization and backend studies report.</summary>
/// <param name="Positions">Rows compared (each a vocabulary-sized logit vector).</param>
/// <param name="Nmse">Normalised mean squared error Σ(a−r)² / Σr² over all elements.</param>
/// <param name="MaxAbsoluteError">Largest |a−r|.</param>
/// <param name="MeanKlDivergence">Mean over rows of KL(softmax(r) ‖ softmax(a)) in nats.</param>
/// <param name="Top1Agreement">Fraction of rows whose argmax agrees.</param>
public sealed record LogitComparison(int Positions, double Nmse, double MaxAbsoluteError, double MeanKlDivergence, double Top1Agreement)
{
    /// <summary>Compares <paramref name="actual"/> with <paramref name="reference"/>, both [rows, vocab] row-major.</summary>
    public static LogitComparison Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference, int vocab)
    {
        if (actual.Length != reference.Length || vocab <= 0 || actual.Length % vocab != 0)
            throw new ArgumentException($"logit arrays of {actual.Length} and {reference.Length} elements cannot be compared as rows of {vocab}");
        int rows = actual.Length / vocab;
        double err = 0, norm = 0, maxAbs = 0, kl = 0;
        int agree = 0;
        var pa = new double[vocab];
        var pr = new double[vocab];
        for (int r = 0; r < rows; r++)
        {
            var a = actual.Slice(r * vocab, vocab);
            var b = reference.Slice(r * vocab, vocab);
            for (int i = 0; i < vocab; i++)
            {
                double d = (double)a[i] - b[i];
                err += d * d;
                norm += (double)b[i] * b[i];
                maxAbs = Math.Max(maxAbs, Math.Abs(d));
            }
            if (TensorPrimitives.IndexOfMax(a) == TensorPrimitives.IndexOfMax(b)) agree++;
            LogSoftmax(a, pa);
            LogSoftmax(b, pr);
            double rowKl = 0;
            for (int i = 0; i < vocab; i++) rowKl += Math.Exp(pr[i]) * (pr[i] - pa[i]);
            kl += rowKl;
        }
        return new LogitComparison(rows, norm == 0 ? err : err / norm, maxAbs, kl / rows, (double)agree / rows);
    }

    /// <summary>log softmax in double precision.</summary>
    internal static void LogSoftmax(ReadOnlySpan<float> logits, Span<double> result)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double logZ = max + Math.Log(sum);
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - logZ;
    }
}
