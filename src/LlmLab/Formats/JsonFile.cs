using System.Text.Json;

namespace LlmLab.Formats;

/// <summary>
/// A small JSON file (config.json, generation_config.json) read whole with a size limit and parsed as one object; its
/// fields are read through <see cref="Root"/>, the one <see cref="JsonField"/> reader. Every failure is the file kind's
/// exception naming the file.
/// </summary>
internal sealed class JsonFile : IDisposable
{
    private readonly JsonDocument _document;

    private JsonFile(JsonDocument document, JsonField root)
    {
        _document = document;
        Root = root;
    }

    /// <summary>The top-level object.</summary>
    public JsonField Root { get; }

    /// <summary>
    /// Reads <paramref name="path"/> (at most <paramref name="maxBytes"/>: an oversized file is refused before it is
    /// read) and parses it, allowing the trailing commas and comments hand-edited configs carry.
    /// </summary>
    public static JsonFile Open(string path, long maxBytes, JsonFileKind kind)
    {
        LlmLabException Fail(string problem, Exception? inner = null) =>
            kind == JsonFileKind.Config ? new InvalidConfigException($"{path}: {problem}", inner) : new InvalidTokenizerException($"{path}: {problem}", inner);
        if (!System.IO.File.Exists(path)) throw Fail("file not found; a Hugging Face model folder needs config.json");
        long length = new FileInfo(path).Length;
        if (length > maxBytes) throw Fail($"{length} bytes is far larger than a config; this is not a config file");
        byte[] bytes;
        try { bytes = System.IO.File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(JsonField.OneLine($"cannot be read ({e.Message})"), e);
        }
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw Fail(JsonField.OneLine($"not valid JSON ({e.Message}); download it again"), e); }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var found = document.RootElement.ValueKind;
            document.Dispose();
            throw Fail($"expected a JSON object, found {found}");
        }
        return new JsonFile(document, new JsonField(document.RootElement, "", path, kind));
    }

    public void Dispose() => _document.Dispose();
}
