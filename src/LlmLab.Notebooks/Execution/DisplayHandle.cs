namespace LlmLab.Notebooks.Execution;

/// <summary>
/// What <c>display(value)</c> returns: a handle that replaces the shown value in place, e.g. a progress table that
/// grows as a benchmark runs (Jupyter's display_id and update_display_data; Polyglot's <c>DisplayedValue.Update</c>).
/// </summary>
public sealed class DisplayHandle
{
    private readonly NotebookGlobals _globals;

    internal DisplayHandle(NotebookGlobals globals, string displayId, IReadOnlyCollection<string>? mimeTypes)
    {
        _globals = globals;
        DisplayId = displayId;
        MimeTypes = mimeTypes;
    }

    /// <summary>The display's id, unique in the session.</summary>
    public string DisplayId { get; }

    internal IReadOnlyCollection<string>? MimeTypes { get; }

    /// <summary>Shows <paramref name="value"/> in place of the displayed value, in the same MIME types.</summary>
    public void Update(object? value) => _globals.Update(this, value);
}
