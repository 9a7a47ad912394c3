namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// What <see cref="Console.In"/> becomes in the kernel: a line read in a cell is asked of the frontend (an
/// input_request on the stdin socket), so <c>Console.ReadLine()</c> shows an input box in JupyterLab and VS Code.
/// </summary>
internal sealed class KernelInputReader(JupyterKernel kernel) : TextReader
{
    private readonly Lock _lock = new();
    private string _buffer = "";
    private int _position;

    public override string? ReadLine()
    {
        lock (_lock)
        {
            if (_position < _buffer.Length)
            {
                // The rest of a line already read character by character.
                var rest = _buffer[_position..].TrimEnd('\n');
                _buffer = "";
                _position = 0;
                return rest;
            }
        }

        return kernel.ReadLine();
    }

    public override int Peek()
    {
        lock (_lock)
        {
            if (!Fill()) return -1;
            return _buffer[_position];
        }
    }

    public override int Read()
    {
        lock (_lock)
        {
            if (!Fill()) return -1;
            return _buffer[_position++];
        }
    }

    private bool Fill()
    {
        if (_position < _buffer.Length) return true;
        var line = kernel.ReadLine();
        if (line is null) return false;
        _buffer = line + "\n";
        _position = 0;
        return true;
    }
}
