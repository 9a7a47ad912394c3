namespace LlmLab.Backends;

/// <summary>A recorded sequence of ops that can be replayed.</summary>
public abstract class CapturedGraph : IDisposable
{
    /// <summary>Queues one replay.</summary>
    public abstract void Replay();

    /// <summary>Releases the graph.</summary>
    public abstract void Dispose();
}
