using System.Text;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Outputs of one running cell, in the order they happened. Consecutive writes to the same stream merge into one
/// stream output, as Jupyter shows them. Thread-safe: a cell may write from several threads. An optional observer
/// sees each accepted piece as it happens (the kernel publishes them live), in the same order.
/// </summary>
internal sealed class CellOutputCollector(Action<CellOutputEvent>? observer = null)
{
    /// <summary>
    /// Stream text kept per cell (characters): far more than anyone reads, small enough that a cell printing in a
    /// loop until its time limit cannot exhaust memory or produce a notebook no editor opens.
    /// </summary>
    public const int MaxStreamCharacters = 4 * 1024 * 1024;

    /// <summary>Outputs kept per cell, for the same reason (a display call in an endless loop).</summary>
    public const int MaxOutputs = 10_000;

    // Each entry is a CellOutput, or a (stream name, text so far) pair still being appended to.
    private readonly List<object> _outputs = [];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _displayIndices = new(StringComparer.Ordinal);
    private int _streamCharacters;
    private bool _truncated;

    public void Write(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (_lock)
        {
            if (_truncated) return;
            if (_streamCharacters + text.Length > MaxStreamCharacters || _outputs.Count >= MaxOutputs)
            {
                Truncate();
                return;
            }

            _streamCharacters += text.Length;
            if (_outputs.Count > 0 && _outputs[^1] is (string name, StringBuilder buffer) && name == stream) buffer.Append(text);
            else _outputs.Add((stream, new StringBuilder(text)));
            observer?.Invoke(new CellOutputEvent(new StreamOutput(stream, text)));
        }
    }

    /// <param name="output">The output to add.</param>
    /// <param name="displayId">Id of a display that <see cref="Update"/> may replace later; null for none.</param>
    public void Add(CellOutput output, string? displayId = null)
    {
        lock (_lock)
        {
            if (output is ErrorOutput || (_outputs.Count < MaxOutputs && !_truncated))
            {
                if (displayId is not null) _displayIndices[displayId] = _outputs.Count;
                _outputs.Add(output);
                observer?.Invoke(new CellOutputEvent(output, displayId));
            }
            else
            {
                Truncate();
            }
        }
    }

    /// <summary>
    /// Replaces the display with <paramref name="displayId"/> if this cell showed it; the observer hears of the update
    /// either way (a frontend updates a display of an earlier cell too).
    /// </summary>
    public void Update(string displayId, DisplayDataOutput output)
    {
        lock (_lock)
        {
            if (_displayIndices.TryGetValue(displayId, out var index)) _outputs[index] = output;
            observer?.Invoke(new CellOutputEvent(output, displayId, IsUpdate: true));
        }
    }

    public IReadOnlyList<CellOutput> Snapshot()
    {
        lock (_lock)
        {
            return _outputs.Select(o => o is (string name, StringBuilder text) ? new StreamOutput(name, text.ToString()) : (CellOutput)o).ToArray();
        }
    }

    private void Truncate()
    {
        if (_truncated) return;
        _truncated = true;
        var notice = new StreamOutput(StreamOutput.StandardError,
            $"\n[LlmLab: further output of this cell was dropped; a cell keeps at most {MaxStreamCharacters / (1024 * 1024)} M characters of text and {MaxOutputs} outputs]\n");
        _outputs.Add(notice);
        observer?.Invoke(new CellOutputEvent(notice));
    }
}
