using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>
/// Reads and writes Polyglot's plain-text notebook format (<c>.dib</c>).
/// </summary>
/// <remarks>
/// Layout of a <c>.dib</c> file, as Polyglot Notebooks writes it:
/// <list type="number">
/// <item>An optional <c>#!meta</c> line, a blank line, and one line of JSON:
/// <c>{"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}</c>.</item>
/// <item>Cells, each opened by a line holding only <c>#!</c> and a kernel name (<c>#!csharp</c>, <c>#!markdown</c>,
/// an alias such as <c>#!C#</c>, or a kernel listed in <c>kernelInfo</c>), then the cell text. Blank lines around
/// the text belong to the separator, not the cell.</item>
/// <item>Any other line starting with <c>#!</c> (for instance <c>#!llm-help</c>) is a magic command inside the
/// current cell. Text before the first kernel line is a cell of the default kernel.</item>
/// </list>
/// The format has no outputs; running a <c>.dib</c> produces an <c>.ipynb</c>.
/// </remarks>
public static class DibFormat
{
    private const string MetaMarker = "#!meta";

    /// <summary>Parses the text of a <c>.dib</c> file.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="path">The file's name, used in error messages only.</param>
    /// <exception cref="NotebookFormatException">The text is binary or its <c>#!meta</c> JSON is malformed.</exception>
    public static NotebookDocument Read(string text, string path = "notebook.dib")
    {
        var nul = text.IndexOf('\0');
        if (nul >= 0)
        {
            throw new NotebookFormatException(
                $"{path} is not a .dib notebook: it holds a NUL byte at character {nul}, so it is binary, not the plain text Polyglot writes. " +
                "Check that the file is a notebook and was not truncated or compressed.");
        }

        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var start = 0;
        var defaultKernel = CellLanguages.CSharp;
        IReadOnlyList<KernelInfoItem> kernels = [KernelInfoItem.CSharp];
        while (start < lines.Length && lines[start].Trim().Length == 0) start++;
        if (start < lines.Length && lines[start].TrimEnd() == MetaMarker)
        {
            var metaLine = start + 1;
            var end = metaLine;
            while (end < lines.Length && !lines[end].StartsWith("#!", StringComparison.Ordinal)) end++;
            (defaultKernel, kernels) = ReadMeta(string.Join('\n', lines[metaLine..end]), path, metaLine + 1);
            start = end;
        }

        var kernelNames = KernelNames(kernels);
        var cells = new List<NotebookCell>();
        string? language = null;
        var body = new List<string>();
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i];
            if (TryKernelMarker(line, kernelNames, out var next))
            {
                if (language is not null || !IsBlank(body)) cells.Add(MakeCell(language ?? defaultKernel, body));
                language = next;
                body.Clear();
            }
            else
            {
                body.Add(line);
            }
        }

        if (language is not null || !IsBlank(body)) cells.Add(MakeCell(language ?? defaultKernel, body));
        return new NotebookDocument(cells) { DefaultKernelName = defaultKernel, Kernels = kernels };
    }

    /// <summary>Writes a notebook as <c>.dib</c> text (outputs are not part of the format and are dropped).</summary>
    public static string Write(NotebookDocument document)
    {
        var text = new StringBuilder();
        text.Append(MetaMarker).Append("\n\n").Append(WriteMeta(document)).Append('\n');
        foreach (var cell in document.Cells)
        {
            text.Append("\n#!").Append(cell.Language).Append("\n\n");
            var source = TrimBlankLines(cell.Source.Replace("\r\n", "\n").Split('\n'));
            if (source.Length > 0) text.Append(source).Append('\n');
        }

        return text.ToString();
    }

    private static (string DefaultKernel, IReadOnlyList<KernelInfoItem> Kernels) ReadMeta(string json, string path, int line)
    {
        try
        {
            var root = JsonNode.Parse(json.Trim()) as JsonObject
                ?? throw new NotebookFormatException($"{path}, line {line}: the #!meta block must be a JSON object with a \"kernelInfo\" field.");
            if (root["kernelInfo"] is not JsonObject kernelInfo) return (CellLanguages.CSharp, [KernelInfoItem.CSharp]);
            return PolyglotKernelInfo.Read(kernelInfo, $"{path}, line {line}, #!meta kernelInfo");
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException(
                $"{path}, line {line + (int)(e.LineNumber ?? 0)}: the #!meta block is not valid JSON ({e.Message}). " +
                "Fix the JSON line after #!meta, or delete the #!meta block to use C# as the default kernel.", e);
        }
    }

    private static string WriteMeta(NotebookDocument document)
    {
        var meta = new JsonObject { ["kernelInfo"] = PolyglotKernelInfo.Write(document) };
        return meta.ToJsonString(IpynbFormat.JsonOptions);
    }

    private static HashSet<string> KernelNames(IReadOnlyList<KernelInfoItem> kernels)
    {
        // nbformat raw cells have no Polyglot kernel; LlmLab writes them as #!raw so they survive a .dib.
        var names = new HashSet<string>(CellLanguages.KnownKernels.Keys, StringComparer.Ordinal) { CellLanguages.Raw };
        foreach (var kernel in kernels)
        {
            names.Add(kernel.Name);
            names.UnionWith(kernel.Aliases);
        }

        return names;
    }

    private static bool TryKernelMarker(string line, HashSet<string> kernelNames, out string language)
    {
        language = "";
        var trimmed = line.TrimEnd();
        if (!trimmed.StartsWith("#!", StringComparison.Ordinal)) return false;
        var name = trimmed[2..];
        if (!kernelNames.Contains(name)) return false;
        language = CellLanguages.KnownKernels.TryGetValue(name, out var canonical) ? canonical : name;
        return true;
    }

    private static NotebookCell MakeCell(string language, List<string> body) => new(language, TrimBlankLines(body));

    private static bool IsBlank(List<string> lines) => lines.TrueForAll(l => l.Trim().Length == 0);

    private static string TrimBlankLines(IReadOnlyList<string> lines)
    {
        var first = 0;
        var last = lines.Count - 1;
        while (first <= last && lines[first].Trim().Length == 0) first++;
        while (last >= first && lines[last].Trim().Length == 0) last--;
        return first > last ? "" : string.Join('\n', lines.Skip(first).Take(last - first + 1));
    }
}
