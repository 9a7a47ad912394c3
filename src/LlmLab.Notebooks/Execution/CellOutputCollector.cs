using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Outputs of one running cell, in the order they happened. Consecutive writes to the same stream merge into one
/// stream output, as Jupyter shows them. Thread-safe: a cell may write from several threads.
/// </summary>
internal sealed class CellOutputCollector
{
    private readonly List<CellOutput> _outputs = [];
    private readonly Lock _lock = new();

    public void Write(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (_lock)
        {
            if (_outputs.Count > 0 && _outputs[^1] is StreamOutput last && last.Name == stream)
            {
                _outputs[^1] = last with { Text = last.Text + text };
            }
            else
            {
                _outputs.Add(new StreamOutput(stream, text));
            }
        }
    }

    public void Add(CellOutput output)
    {
        lock (_lock) _outputs.Add(output);
    }

    public IReadOnlyList<CellOutput> Snapshot()
    {
        lock (_lock) return _outputs.ToArray();
    }
}
