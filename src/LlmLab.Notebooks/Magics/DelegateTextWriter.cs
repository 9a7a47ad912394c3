using System.Text;

namespace LlmLab.Notebooks.Magics;

/// <summary>A writer that hands every write to a delegate (a host's "display standard output").</summary>
internal sealed class DelegateTextWriter(Action<string> write) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => write(value.ToString());

    public override void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value)) write(value);
    }

    public override void Write(char[] buffer, int index, int count) => write(new string(buffer, index, count));
}
