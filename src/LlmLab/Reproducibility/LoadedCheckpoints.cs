namespace LlmLab.Reproducibility;

/// <summary>
/// The model folders and files this process has loaded (every <c>Transformer.Load</c>), so a study's report can name
/// and hash every model it used — through <c>#!llm-load</c> or C# code alike — without each cell having to say so.
/// Paths only: hashing is left to whoever writes the report (and cached).
/// </summary>
public static class LoadedCheckpoints
{
    /// <summary>
    /// Distinct paths kept at most: a study loads a handful of models; a loop that loads thousands of temporary
    /// checkpoints must not grow this without bound (the least recently loaded are dropped).
    /// </summary>
    public const int MaxPaths = 1_000;

    // Path → number of the load that last opened it (0, 1, 2, ... in process order).
    private static readonly Dictionary<string, int> LastLoad = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static int _loads;

    /// <summary>Loads recorded so far, including repeats of a path; a run notes it first and later asks <see cref="Since"/>.</summary>
    public static int Count
    {
        get
        {
            lock (Gate) return _loads;
        }
    }

    /// <summary>Records a load of <paramref name="path"/> (made absolute).</summary>
    public static void Record(string path)
    {
        var full = Path.GetFullPath(path);
        lock (Gate)
        {
            LastLoad[full] = _loads++;
            if (LastLoad.Count > MaxPaths) LastLoad.Remove(LastLoad.MinBy(p => p.Value).Key);
        }
    }

    /// <summary>The distinct paths loaded since <see cref="Count"/> was <paramref name="count"/>, in order of their last load.</summary>
    public static IReadOnlyList<string> Since(int count)
    {
        lock (Gate) return LastLoad.Where(p => p.Value >= count).OrderBy(p => p.Value).Select(p => p.Key).ToArray();
    }
}
