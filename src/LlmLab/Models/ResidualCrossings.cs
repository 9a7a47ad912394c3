namespace LlmLab.Models;

/// <summary>
/// Activations' moves between the devices of a map (the residual stream between stages; with the KV caches on the CPU
/// also q, k, v and the attention output of every layer elsewhere), counted by <see cref="InferenceSession.Crossings"/>.
/// </summary>
/// <param name="Count">Moves so far.</param>
/// <param name="Bytes">Bytes moved (in the sending device's activation type).</param>
/// <param name="Milliseconds">Time spent moving, ms.</param>
public sealed record ResidualCrossings(long Count, long Bytes, double Milliseconds)
{
    /// <summary>The moves between <paramref name="earlier"/> and this count.</summary>
    public ResidualCrossings Since(ResidualCrossings earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new(Count - earlier.Count, Bytes - earlier.Bytes, Milliseconds - earlier.Milliseconds);
    }

    /// <summary>This count and <paramref name="other"/> together.</summary>
    public ResidualCrossings Plus(ResidualCrossings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Count + other.Count, Bytes + other.Bytes, Milliseconds + other.Milliseconds);
    }
}
