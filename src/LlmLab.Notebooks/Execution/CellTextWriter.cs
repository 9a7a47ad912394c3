using System.Text;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// A writer that sends text to the stream of whichever cell is running on the calling logical thread, and to
/// the original console writer when no cell is: what <see cref="Console.Out"/> and <see cref="Console.Error"/>
/// become while sessions run, so each cell captures its own output even with several sessions in one process.
/// </summary>
internal sealed class CellTextWriter : TextWriter
{
    private readonly string _stream;
    private readonly TextWriter _outside;

    /// <param name="stream"><see cref="StreamOutput.StandardOutput"/> or <see cref="StreamOutput.StandardError"/>.</param>
    /// <param name="outside">Where text written outside any cell goes (the original console writer).</param>
    public CellTextWriter(string stream, TextWriter outside)
    {
        _stream = stream;
        _outside = outside;
        CoreNewLine = ['\n']; // outputs are the same on every OS: Jupyter expects \n
    }

    public override Encoding Encoding => Encoding.UTF8;

    public TextWriter Outside => _outside;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (CellContext.Current is { } cell) cell.Outputs.Write(_stream, value);
        else _outside.Write(value);
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    public override void WriteLine() => Write("\n");

    public override void Flush()
    {
        if (CellContext.Current is null) _outside.Flush();
    }
}
