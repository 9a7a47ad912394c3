using System.ComponentModel;
using System.Globalization;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Members every cell can call without qualification: <c>display(value)</c> as in Polyglot Notebooks, and
/// <c>Parameter(name, default)</c> to read a notebook parameter.
/// </summary>
public sealed class NotebookGlobals
{
    private readonly NotebookSession _session;
    private readonly Dictionary<string, object?> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    internal NotebookGlobals(NotebookSession session) => _session = session;

    /// <summary>
    /// Shows a value as an output of the running cell, in every MIME type a formatter handles; the handle it returns
    /// replaces the value in place (<c>var shown = display(table); … shown.Update(table);</c>).
    /// </summary>
#pragma warning disable IDE1006 // Lower-case like Polyglot's display(), so notebooks run in both.
    public DisplayHandle display(object? value) => Show(value, null);

    /// <summary>Shows a value in the given MIME types only, e.g. <c>display(table, "text/plain")</c>.</summary>
    public DisplayHandle display(object? value, params string[] mimeTypes) => Show(value, mimeTypes.Length == 0 ? null : mimeTypes);
#pragma warning restore IDE1006

    /// <summary>
    /// The value of parameter <paramref name="name"/> (given with <c>-p name=value</c>) converted to
    /// <typeparamref name="T"/>, or <paramref name="defaultValue"/> when the run has no such parameter. Lets a
    /// notebook state its defaults in code: <c>var tokens = Parameter("tokens", 64);</c>.
    /// </summary>
    public T Parameter<T>(string name, T defaultValue)
    {
        var parameter = _session.Options.Parameters.LastOrDefault(p => p.Name == name);
        if (parameter is null) return defaultValue;
        if (parameter.Value is T typed) return typed;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        var mismatch = new InvalidOptionException(
            $"Parameter '{name}' is {parameter.Value} ({parameter.Type.Name}), which is not a {target.Name}; give -p {name}=VALUE as the notebook's default ({defaultValue}) is written.");
        // Any value reads as text, but a value of another kind is refused rather than converted with a loss:
        // -p n=2.5 for Parameter("n", 3) would otherwise silently run with n = 2.
        if (target == typeof(string)) return (T)(object)Convert.ToString(parameter.Value, CultureInfo.InvariantCulture)!;
        if ((target == typeof(bool)) != (parameter.Value is bool)) throw mismatch;
        try
        {
            var converted = Convert.ChangeType(parameter.Value, target, CultureInfo.InvariantCulture);
            var back = Convert.ChangeType(converted, parameter.Value.GetType(), CultureInfo.InvariantCulture);
            return Equals(back, parameter.Value) ? (T)converted : throw mismatch;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidOptionException(mismatch.Message, e);
        }
    }

    /// <summary>Engine plumbing: hands a value to the declaration the engine generates for a magic's variable.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public object? TakeDefinedValue(string name)
    {
        lock (_lock)
        {
            _pending.Remove(name, out var value);
            return value;
        }
    }

    internal void Stage(string name, object? value)
    {
        lock (_lock) _pending[name] = value;
    }

    internal void Update(DisplayHandle handle, object? value)
    {
        var data = _session.Formatters.Format(value, handle.MimeTypes);
        if (CellContext.Current is { } cell) cell.Outputs.Update(handle.DisplayId, new DisplayDataOutput(data));
        else if (data.TryGetValue(MimeTypes.PlainText, out var text)) Console.WriteLine(text);
    }

    private DisplayHandle Show(object? value, IReadOnlyCollection<string>? mimeTypes)
    {
        var handle = new DisplayHandle(this, Guid.NewGuid().ToString("N"), mimeTypes);
        var data = _session.Formatters.Format(value, mimeTypes);
        if (CellContext.Current is { } cell) cell.Outputs.Add(new DisplayDataOutput(data), handle.DisplayId);
        else if (data.TryGetValue(MimeTypes.PlainText, out var text)) Console.WriteLine(text);
        return handle;
    }
}
