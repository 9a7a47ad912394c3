using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// Converts a formatter's MIME bundle (every value as text) to and from a Jupyter <c>data</c> dict, where JSON types
/// (<c>application/json</c>, <c>application/*+json</c> such as <c>application/vnd.plotly.v1+json</c>) are JSON
/// values, not strings: renderers such as JupyterLab's Plotly extension read them as objects.
/// </summary>
internal static class MimeBundle
{
    public static bool IsJson(string mimeType) =>
        mimeType == "application/json" || (mimeType.StartsWith("application/", StringComparison.Ordinal) && mimeType.EndsWith("+json", StringComparison.Ordinal));

    public static JsonObject ToJson(IReadOnlyDictionary<string, string> data)
    {
        var node = new JsonObject();
        foreach (var (mime, value) in data)
        {
            node[mime] = IsJson(mime) && TryParse(value) is { } json ? json : JsonValue.Create(value);
        }

        return node;
    }

    public static Dictionary<string, string> FromJson(JsonObject? data)
    {
        var bundle = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (mime, value) in data ?? [])
        {
            bundle[mime] = value switch
            {
                JsonValue v when v.TryGetValue<string>(out var text) => text,
                JsonArray lines when lines.All(l => l is JsonValue) => string.Concat(lines.Select(l => l!.ToString())),
                null => "",
                _ => value.ToJsonString(),
            };
        }

        return bundle;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
