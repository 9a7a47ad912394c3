namespace LlmLab.Backends.Cpu;

/// <summary>
/// The reference of <see cref="IBackend.Sample"/>: thresholds on the logits (k-th largest, then the
/// nucleus), softmax in double over what is kept, and the draw scanned in vocabulary order — the
/// same definition the GPU kernel computes with block reductions, so both pick the same token.
/// </summary>
internal static class CpuSampling
{
    public static int SampleRow(ReadOnlySpan<float> row, float temperature, int topK, float topP, float uniform)
    {
        float[] logits = row.ToArray();
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        // k-th largest logit: everything at or above it stays (ties included).
        float kth = float.NegativeInfinity;
        if (topK > 0 && topK < logits.Length)
        {
            var sorted = (float[])logits.Clone();
            Array.Sort(sorted);
            kth = sorted[^topK];
        }
        double invT = 1.0 / temperature;
        double Mass(float threshold)
        {
            double sum = 0;
            foreach (float v in logits) if (v >= threshold) sum += Math.Exp((v - max) * invT);
            return sum;
        }
        double kept = Mass(kth);
        // Nucleus: the largest threshold whose mass still reaches topP of the top-k mass.
        float cut = kth;
        if (topP < 1)
        {
            // Walking the kept logits from the largest, the first one at which the mass reaches the target is the cut:
            // the mass of everything ≥ it (ties included) reaches the target and that of anything larger does not.
            var candidates = logits.Where(v => v >= kth).OrderByDescending(v => v).ToArray();
            double target = topP * kept, mass = 0;
            foreach (float v in candidates)
            {
                mass += Math.Exp((v - max) * invT);
                if (mass >= target) { cut = v; break; }
            }
            kept = Mass(cut);
        }
        double draw = uniform * kept, cumulative = 0;
        int last = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < cut) continue;
            cumulative += Math.Exp((logits[i] - max) * invT);
            last = i;
            if (cumulative > draw) return i;
        }
        return last;
    }
}
