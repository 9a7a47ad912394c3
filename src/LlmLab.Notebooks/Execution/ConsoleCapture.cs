using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Routes <see cref="Console.Out"/> and <see cref="Console.Error"/> through <see cref="CellTextWriter"/>s once per
/// process (and again if someone replaced them), so text a cell prints lands in that cell's outputs.
/// </summary>
internal static class ConsoleCapture
{
    private static readonly Lock Gate = new();
    private static TextWriter? _installedOut;
    private static TextWriter? _installedError;

    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (!ReferenceEquals(Console.Out, _installedOut))
            {
                Console.SetOut(new CellTextWriter(StreamOutput.StandardOutput, Unwrap(Console.Out)));
                _installedOut = Console.Out;
            }

            if (!ReferenceEquals(Console.Error, _installedError))
            {
                Console.SetError(new CellTextWriter(StreamOutput.StandardError, Unwrap(Console.Error)));
                _installedError = Console.Error;
            }
        }
    }

    private static TextWriter Unwrap(TextWriter writer) => writer is CellTextWriter cell ? cell.Outside : writer;
}
