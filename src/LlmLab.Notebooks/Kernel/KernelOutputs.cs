using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// A cell's outputs rebuilt from the kernel's iopub messages, as nbclient builds them: consecutive text of one
/// stream merges, update_display_data replaces the outputs with its display_id, clear_output empties the list.
/// </summary>
internal sealed class KernelOutputs
{
    private readonly List<CellOutput> _outputs = [];
    private readonly Dictionary<string, List<int>> _displays = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(JupyterMessage message)
    {
        var content = message.Content;
        lock (_lock)
        {
            switch (message.MessageType)
            {
                case "stream":
                    var name = Text(content, "name");
                    var text = Text(content, "text");
                    if (_outputs.Count > 0 && _outputs[^1] is StreamOutput last && last.Name == name) _outputs[^1] = last with { Text = last.Text + text };
                    else _outputs.Add(new StreamOutput(name, text));
                    break;
                case "display_data":
                    if (DisplayId(content) is { } id)
                    {
                        if (!_displays.TryGetValue(id, out var indices)) _displays[id] = indices = [];
                        indices.Add(_outputs.Count);
                    }

                    _outputs.Add(Display(content, null));
                    break;
                case "update_display_data":
                    if (DisplayId(content) is { } updated && _displays.TryGetValue(updated, out var shown))
                    {
                        foreach (var index in shown) _outputs[index] = Display(content, null);
                    }

                    break;
                case "execute_result":
                    _outputs.Add(Display(content, content["execution_count"] is JsonValue v && v.TryGetValue<int>(out var count) ? count : 0));
                    break;
                case "error":
                    _outputs.Add(Error(content));
                    break;
                case "clear_output":
                    _outputs.Clear();
                    _displays.Clear();
                    break;
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

    /// <summary>The error an error message or an error reply carries; the kernel's <c>Name: message</c> first line is dropped.</summary>
    public static ErrorOutput Error(JsonObject content)
    {
        var name = Text(content, "ename");
        var message = Text(content, "evalue");
        var traceback = (content["traceback"] as JsonArray ?? []).Select(t => t?.ToString() ?? "").ToList();
        if (traceback.Count > 0 && traceback[0] == $"{name}: {message}") traceback.RemoveAt(0);
        return new ErrorOutput(name, message, traceback);
    }

    private static DisplayDataOutput Display(JsonObject content, int? executionCount) =>
        new(MimeBundle.FromJson(content["data"] as JsonObject), executionCount)
        {
            Metadata = content["metadata"] is JsonObject { Count: > 0 } metadata ? metadata.DeepClone().AsObject() : null,
        };

    private static string? DisplayId(JsonObject content) =>
        content["transient"] is JsonObject transient && transient["display_id"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null;

    private static string Text(JsonObject content, string key) =>
        content[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}
