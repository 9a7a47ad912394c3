using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>
/// Reads and writes Jupyter notebooks (<c>.ipynb</c>, nbformat 4) with Polyglot Notebooks' metadata, so files open
/// in VS Code (Polyglot) and Jupyter alike.
/// </summary>
/// <remarks>
/// Layout written (nbformat 4.5, keys sorted, one-space indent, as Jupyter itself writes):
/// <list type="number">
/// <item><c>metadata.kernelspec</c> = <c>.net-csharp</c>, <c>metadata.language_info.name</c> = <c>polyglot-notebook</c>,
/// <c>metadata.polyglot_notebook.kernelInfo</c> = the kernels (see <see cref="KernelInfoItem"/>).</item>
/// <item>Each cell has an <c>id</c>; code cells carry <c>metadata.dotnet_interactive.language</c> and
/// <c>metadata.polyglot_notebook.kernelName</c>, plus <c>metadata.execution</c> timestamps once run.</item>
/// <item>Multi-line strings (sources, stream text, <c>text/*</c> data) are arrays of lines; JSON MIME types are
/// embedded as JSON.</item>
/// </list>
/// Reading accepts any nbformat 4 file: a missing id, string-valued sources, Jupyter-only metadata. Fields LlmLab
/// does not model are kept in <c>ExtraMetadata</c>/<c>ExtraProperties</c> and written back.
/// </remarks>
public static class IpynbFormat
{
    /// <summary>nbformat major version written and accepted.</summary>
    public const int FormatMajor = 4;

    /// <summary>nbformat minor version written: 4.5 is the first with cell ids.</summary>
    public const int FormatMinor = 5;

    private const string ExecutionStartKey = "iopub.execute_input";
    private const string ExecutionEndKey = "shell.execute_reply";
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    // Jupyter writes UTF-8 without escaping non-ASCII or HTML characters; match it so diffs stay readable.
    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses the text of an <c>.ipynb</c> file.</summary>
    /// <param name="json">The file's content.</param>
    /// <param name="path">The file's name, used in error messages only.</param>
    /// <exception cref="NotebookFormatException">The text is not JSON, not nbformat 4, or a field has the wrong shape.</exception>
    public static NotebookDocument Read(string json, string path = "notebook.ipynb")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException(
                $"{path} is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {FirstSentence(e.Message)} " +
                "An .ipynb notebook is a JSON document; check that the file is complete and was not edited by hand.", e);
        }

        return new IpynbReader(path).ReadNotebook(root);
    }

    /// <summary>Writes a notebook as <c>.ipynb</c> text (nbformat 4.5), ending with a newline.</summary>
    public static string Write(NotebookDocument document)
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(WriteCells(document).ToArray()),
            ["metadata"] = WriteNotebookMetadata(document),
            ["nbformat"] = FormatMajor,
            ["nbformat_minor"] = FormatMinor,
        };

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Sorted(root)!.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// The id written for a cell that has none: derived from its position and content, so running the same
    /// notebook twice gives the same ids.
    /// </summary>
    public static string NewCellId(int index, NotebookCell cell)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{index}\n{cell.Language}\n{cell.Source}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    internal static string FormatTimestamp(DateTimeOffset moment) =>
        moment.UtcDateTime.ToString(TimestampFormat, System.Globalization.CultureInfo.InvariantCulture);

    internal static (string Start, string End) ExecutionKeys => (ExecutionStartKey, ExecutionEndKey);

    private static IEnumerable<JsonNode> WriteCells(NotebookDocument document)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Cells.Count; i++)
        {
            var cell = document.Cells[i];
            var id = cell.Id is { } existing && used.Add(existing) ? existing : UniqueId(i, cell, used);
            yield return WriteCell(cell, id);
        }
    }

    private static string UniqueId(int index, NotebookCell cell, HashSet<string> used)
    {
        var id = NewCellId(index, cell);
        for (var n = 1; !used.Add(id); n++) id = NewCellId(index, cell) + "-" + n;
        return id;
    }

    private static JsonObject WriteCell(NotebookCell cell, string id)
    {
        var node = new JsonObject();
        if (cell.ExtraProperties is { } extra)
        {
            foreach (var (key, value) in extra) node[key] = value?.DeepClone();
        }

        var metadata = cell.ExtraMetadata?.DeepClone().AsObject() ?? new JsonObject();
        node["id"] = id;
        node["source"] = Lines(cell.Source);
        if (cell.IsMarkdown || cell.Language == CellLanguages.Raw)
        {
            node["cell_type"] = cell.IsMarkdown ? "markdown" : "raw";
            node["metadata"] = metadata;
            return node;
        }

        node["cell_type"] = "code";
        node["execution_count"] = cell.ExecutionCount;
        metadata["dotnet_interactive"] = new JsonObject { ["language"] = cell.Language };
        metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = cell.Language };
        if (cell.Timing is { } timing)
        {
            metadata["execution"] = new JsonObject
            {
                [ExecutionStartKey] = FormatTimestamp(timing.Started),
                [ExecutionEndKey] = FormatTimestamp(timing.Ended),
            };
        }

        node["metadata"] = metadata;
        node["outputs"] = new JsonArray(cell.Outputs.Select(WriteOutput).ToArray());
        return node;
    }

    private static JsonNode WriteOutput(CellOutput output) => output switch
    {
        StreamOutput s => new JsonObject { ["name"] = s.Name, ["output_type"] = "stream", ["text"] = Lines(s.Text) },
        ErrorOutput e => new JsonObject
        {
            ["ename"] = e.Name,
            ["evalue"] = e.Message,
            ["output_type"] = "error",
            ["traceback"] = new JsonArray(e.Traceback.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
        },
        DisplayDataOutput d when d.ExecutionCount is { } count => new JsonObject
        {
            ["data"] = WriteData(d.Data),
            ["execution_count"] = count,
            ["metadata"] = d.Metadata?.DeepClone() ?? new JsonObject(),
            ["output_type"] = "execute_result",
        },
        DisplayDataOutput d => new JsonObject
        {
            ["data"] = WriteData(d.Data),
            ["metadata"] = d.Metadata?.DeepClone() ?? new JsonObject(),
            ["output_type"] = "display_data",
        },
        _ => throw new ArgumentException($"Unknown output type {output.GetType().Name}.", nameof(output)),
    };

    private static JsonObject WriteData(IReadOnlyDictionary<string, string> data)
    {
        var node = new JsonObject();
        foreach (var (mime, value) in data)
        {
            node[mime] = IsJsonMime(mime) ? JsonNode.Parse(value) : Lines(value);
        }

        return node;
    }

    private static JsonObject WriteNotebookMetadata(NotebookDocument document)
    {
        var metadata = document.ExtraMetadata?.DeepClone().AsObject() ?? new JsonObject();
        metadata["kernelspec"] = new JsonObject
        {
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["name"] = ".net-csharp",
        };
        metadata["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" };
        var polyglot = metadata["polyglot_notebook"] as JsonObject ?? new JsonObject();
        polyglot["kernelInfo"] = PolyglotKernelInfo.Write(document);
        metadata["polyglot_notebook"] = polyglot;
        return metadata;
    }

    internal static bool IsJsonMime(string mime) =>
        mime == "application/json" || (mime.StartsWith("application/", StringComparison.Ordinal) && mime.EndsWith("+json", StringComparison.Ordinal));

    /// <summary>Jupyter's multi-line string: an array of lines, each but the last keeping its <c>\n</c>.</summary>
    private static JsonArray Lines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline + 1;
            lines.Add(JsonValue.Create(text[start..end]));
            start = end;
        }

        return lines;
    }

    /// <summary>A deep copy with object keys in ordinal order, as Jupyter's <c>json.dumps(sort_keys=True)</c>.</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
