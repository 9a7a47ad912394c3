using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>
/// Reads and writes Polyglot's <c>kernelInfo</c> object, shared by <c>.dib</c> (<c>#!meta</c>) and
/// <c>.ipynb</c> (<c>metadata.polyglot_notebook.kernelInfo</c>):
/// <c>{"defaultKernelName": "csharp", "items": [{"aliases": [], "languageName": "C#", "name": "csharp"}]}</c>.
/// </summary>
internal static class PolyglotKernelInfo
{
    public static (string DefaultKernel, IReadOnlyList<KernelInfoItem> Kernels) Read(JsonObject kernelInfo, string where)
    {
        var defaultKernel = kernelInfo["defaultKernelName"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : CellLanguages.CSharp;
        var items = new List<KernelInfoItem>();
        if (kernelInfo["items"] is JsonArray array)
        {
            foreach (var node in array)
            {
                if (node is not JsonObject item || item["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
                {
                    throw new NotebookFormatException($"{where}: every entry of \"items\" needs a string \"name\" (found {node?.ToJsonString() ?? "null"}).");
                }

                var aliases = item["aliases"] is JsonArray a
                    ? a.Select(x => x is JsonValue xv && xv.TryGetValue<string>(out var alias) ? alias : null).OfType<string>().ToArray()
                    : [];
                var languageName = item["languageName"] is JsonValue lv && lv.TryGetValue<string>(out var l) ? l : null;
                items.Add(new KernelInfoItem(name, aliases, languageName));
            }
        }

        return (defaultKernel, items.Count > 0 ? items : [KernelInfoItem.CSharp]);
    }

    /// <summary>
    /// The document's kernels plus any language its cells use that they omit: a <c>.dib</c> reader only opens a
    /// cell at <c>#!name</c> when it knows the kernel <c>name</c>, so every cell language must be listed.
    /// </summary>
    public static JsonObject Write(NotebookDocument document)
    {
        var kernels = document.Kernels.ToList();
        foreach (var language in document.Cells.Select(c => c.Language).Distinct())
        {
            var listed = kernels.Any(k => k.Name == language || k.Aliases.Contains(language));
            if (!listed && !CellLanguages.KnownKernels.ContainsKey(language) && language != CellLanguages.Raw) kernels.Add(new KernelInfoItem(language, []));
        }

        var items = new JsonArray();
        foreach (var kernel in kernels)
        {
            var item = new JsonObject { ["aliases"] = new JsonArray(kernel.Aliases.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()) };
            if (kernel.LanguageName is not null) item["languageName"] = kernel.LanguageName;
            item["name"] = kernel.Name;
            items.Add(item);
        }

        return new JsonObject { ["defaultKernelName"] = document.DefaultKernelName, ["items"] = items };
    }
}
