using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>
/// Turns a parsed <c>.ipynb</c> JSON tree into a <see cref="NotebookDocument"/>; every error names the file and
/// the JSON path of the field at fault (e.g. <c>cells[3].outputs[0].text</c>).
/// </summary>
internal sealed class IpynbReader(string path)
{
    private static readonly HashSet<string> KnownCellKeys = ["cell_type", "id", "metadata", "source", "outputs", "execution_count"];
    private static readonly HashSet<string> InterpretedCellMetadata = ["dotnet_interactive", "polyglot_notebook", "execution"];
    private static readonly HashSet<string> RegeneratedNotebookMetadata = ["kernelspec", "language_info"];

    public NotebookDocument ReadNotebook(JsonNode? root)
    {
        if (root is not JsonObject notebook)
        {
            throw Error("", $"the top level is {Describe(root)}, not a JSON object. An .ipynb notebook is an object with \"cells\", \"metadata\" and \"nbformat\"");
        }

        var major = notebook["nbformat"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : (int?)null;
        if (major != IpynbFormat.FormatMajor)
        {
            throw Error("nbformat", major is null
                ? "is missing. The file does not look like a Jupyter notebook"
                : $"is {major}; LlmLab reads nbformat 4 only. Convert it with `jupyter nbconvert --to notebook --nbformat 4`");
        }

        var metadata = notebook["metadata"] as JsonObject ?? new JsonObject();
        var (defaultKernel, kernels) = ReadKernelInfo(metadata);
        var cellsNode = notebook["cells"] as JsonArray ?? throw Error("cells", "is missing or not an array");
        var cells = new List<NotebookCell>(cellsNode.Count);
        for (var i = 0; i < cellsNode.Count; i++) cells.Add(ReadCell(cellsNode[i], $"cells[{i}]", defaultKernel));

        var extra = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            if (RegeneratedNotebookMetadata.Contains(key)) continue;
            if (key == "polyglot_notebook" && value is JsonObject polyglot)
            {
                var rest = new JsonObject(polyglot.Where(p => p.Key != "kernelInfo").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
                if (rest.Count > 0) extra[key] = rest;
                continue;
            }

            extra[key] = value?.DeepClone();
        }

        return new NotebookDocument(cells)
        {
            DefaultKernelName = defaultKernel,
            Kernels = kernels,
            ExtraMetadata = extra.Count > 0 ? extra : null,
        };
    }

    private (string, IReadOnlyList<KernelInfoItem>) ReadKernelInfo(JsonObject metadata)
    {
        if (metadata["polyglot_notebook"]?["kernelInfo"] is JsonObject kernelInfo)
        {
            return PolyglotKernelInfo.Read(kernelInfo, $"{path}, metadata.polyglot_notebook.kernelInfo");
        }

        // A notebook written by Jupyter's .NET kernel, or another kernel entirely: its kernelspec says which.
        var spec = metadata["kernelspec"]?["name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? metadata["kernelspec"]!["name"]!.GetValue<string>()
            : null;
        var language = spec switch
        {
            null or ".net-csharp" => CellLanguages.CSharp,
            ".net-fsharp" => "fsharp",
            ".net-powershell" => "pwsh",
            _ => metadata["language_info"]?["name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? metadata["language_info"]!["name"]!.GetValue<string>().ToLowerInvariant()
                : spec,
        };
        return (language, [new KernelInfoItem(language, [])]);
    }

    private NotebookCell ReadCell(JsonNode? node, string at, string defaultKernel)
    {
        if (node is not JsonObject cell) throw Error(at, $"is {Describe(node)}, not a cell object");
        var type = String(cell, "cell_type", at);
        var source = MultilineString(cell["source"], $"{at}.source");
        var metadata = cell["metadata"] as JsonObject ?? new JsonObject();
        var language = type switch
        {
            "markdown" => CellLanguages.Markdown,
            "raw" => CellLanguages.Raw,
            "code" => CodeLanguage(metadata, defaultKernel),
            _ => throw Error($"{at}.cell_type", $"is \"{type}\"; nbformat 4 cells are \"code\", \"markdown\" or \"raw\""),
        };

        var extraMetadata = new JsonObject(metadata.Where(p => !InterpretedCellMetadata.Contains(p.Key))
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        var extraProperties = new JsonObject(cell.Where(p => !KnownCellKeys.Contains(p.Key))
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        var result = new NotebookCell(language, source)
        {
            Id = cell["id"] is JsonValue id && id.TryGetValue<string>(out var s) ? s : null,
            ExtraMetadata = extraMetadata.Count > 0 ? extraMetadata : null,
            ExtraProperties = extraProperties.Count > 0 ? extraProperties : null,
        };

        if (type != "code") return result;
        var outputs = cell["outputs"] as JsonArray ?? [];
        return result with
        {
            ExecutionCount = OptionalInt(cell["execution_count"], $"{at}.execution_count"),
            Timing = ReadTiming(metadata["execution"] as JsonObject),
            Outputs = outputs.Select((o, i) => ReadOutput(o, $"{at}.outputs[{i}]")).ToArray(),
        };
    }

    private static string CodeLanguage(JsonObject metadata, string defaultKernel)
    {
        var name = metadata["polyglot_notebook"]?["kernelName"] ?? metadata["dotnet_interactive"]?["language"];
        var language = name is JsonValue v && v.TryGetValue<string>(out var s) ? s : defaultKernel;
        return CellLanguages.KnownKernels.TryGetValue(language, out var canonical) ? canonical : language;
    }

    private static CellTiming? ReadTiming(JsonObject? execution)
    {
        var (startKey, endKey) = IpynbFormat.ExecutionKeys;
        if (execution?[startKey] is not JsonValue start || execution[endKey] is not JsonValue end) return null;
        if (!start.TryGetValue<string>(out var s) || !end.TryGetValue<string>(out var e)) return null;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started)) return null;
        if (!DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ended)) return null;
        return new CellTiming(started, ended);
    }

    private CellOutput ReadOutput(JsonNode? node, string at)
    {
        if (node is not JsonObject output) throw Error(at, $"is {Describe(node)}, not an output object");
        var type = String(output, "output_type", at);
        switch (type)
        {
            case "stream":
                return new StreamOutput(String(output, "name", at), MultilineString(output["text"], $"{at}.text"));
            case "error":
                var traceback = output["traceback"] as JsonArray ?? [];
                return new ErrorOutput(
                    String(output, "ename", at),
                    String(output, "evalue", at),
                    traceback.Select((t, i) => t is JsonValue tv && tv.TryGetValue<string>(out var line) ? line : throw Error($"{at}.traceback[{i}]", "is not a string")).ToArray());
            case "display_data":
            case "execute_result":
                var data = output["data"] as JsonObject ?? throw Error($"{at}.data", "is missing or not an object");
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (mime, value) in data)
                {
                    values[mime] = IpynbFormat.IsJsonMime(mime)
                        ? value?.ToJsonString(IpynbFormat.JsonOptions) ?? "null"
                        : MultilineString(value, $"{at}.data[\"{mime}\"]");
                }

                var metadata = output["metadata"] as JsonObject;
                var count = type == "execute_result" ? OptionalInt(output["execution_count"], $"{at}.execution_count") ?? 0 : (int?)null;
                return new DisplayDataOutput(values, count)
                {
                    Metadata = metadata is { Count: > 0 } ? metadata.DeepClone().AsObject() : null,
                };
            default:
                throw Error($"{at}.output_type", $"is \"{type}\"; nbformat 4 outputs are \"stream\", \"display_data\", \"execute_result\" or \"error\"");
        }
    }

    private string String(JsonObject node, string key, string at)
    {
        if (node[key] is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw Error($"{at}.{key}", node.ContainsKey(key) ? $"is {Describe(node[key])}, not a string" : "is missing");
    }

    private int? OptionalInt(JsonNode? node, string at)
    {
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<int>(out var i)) return i;
        throw Error(at, $"is {Describe(node)}, not an integer or null");
    }

    private string MultilineString(JsonNode? node, string at)
    {
        switch (node)
        {
            case null:
                return "";
            case JsonValue v when v.TryGetValue<string>(out var s):
                return s;
            case JsonArray lines:
                var text = new StringBuilder();
                for (var i = 0; i < lines.Count; i++)
                {
                    if (lines[i] is JsonValue line && line.TryGetValue<string>(out var part)) text.Append(part);
                    else throw Error($"{at}[{i}]", $"is {Describe(lines[i])}, not a string");
                }

                return text.ToString();
            default:
                throw Error(at, $"is {Describe(node)}, not a string or an array of strings");
        }
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => $"the value {node.ToJsonString()}",
    };

    private NotebookFormatException Error(string field, string problem) =>
        new(field.Length == 0 ? $"{path}: {problem}." : $"{path}: field {field} {problem}.");
}
