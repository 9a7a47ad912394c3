using System.Text;

namespace LlmLab.Notebooks.Documents;

/// <summary>Loads and saves notebooks, choosing <see cref="DibFormat"/> or <see cref="IpynbFormat"/> by file extension.</summary>
public static class NotebookFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Reads a <c>.dib</c> or <c>.ipynb</c> file.</summary>
    /// <exception cref="NotebookFormatException">The file is missing, has another extension, or is malformed.</exception>
    public static NotebookDocument Load(string path)
    {
        var format = FormatOf(path);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NotebookFormatException($"{path} cannot be read: {e.Message}", e);
        }

        return format == ".dib" ? DibFormat.Read(text, path) : IpynbFormat.Read(text, path);
    }

    /// <summary>Writes a notebook as <c>.dib</c> or <c>.ipynb</c> (by extension), UTF-8 without a byte-order mark.</summary>
    public static void Save(NotebookDocument document, string path)
    {
        var text = FormatOf(path) == ".dib" ? DibFormat.Write(document) : IpynbFormat.Write(document);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, text, Utf8NoBom);
    }

    private static string FormatOf(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".dib" or ".ipynb") return extension;
        throw new NotebookFormatException(
            $"{path}: unknown notebook extension \"{extension}\". LlmLab reads and writes .dib (Polyglot plain text) and .ipynb (Jupyter) notebooks.");
    }
}
