using System.Text;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using NetMQ.Sockets;

namespace LlmLab.Notebooks.Kernel;

/// <summary>execute_request: running a cell, publishing its outputs live, interrupts and stdin.</summary>
public sealed partial class JupyterKernel
{
    /// <summary>
    /// How long stream text waits to be published (ms): a cell printing character by character becomes a few
    /// messages per second instead of thousands, and progress still shows promptly.
    /// </summary>
    private const int StreamFlushMilliseconds = 50;

    /// <summary>How long an exiting kernel waits for its last outputs to leave (twice: hand-over, then the wire).</summary>
    private static readonly TimeSpan ExitFlushAllowance = TimeSpan.FromMilliseconds(200);

    private RunningCell? _running;
    private TaskCompletionSource<string>? _pendingInput;

    /// <returns>Whether the cell failed with stop_on_error set, so requests queued behind it are aborted.</returns>
    private async Task<bool> ExecuteAsync(JupyterMessage request, RouterSocket socket)
    {
        var code = Text(request.Content, "code");
        var silent = Flag(request.Content, "silent", false);
        var count = _notebook.ExecutionCount + 1;
        if (!silent) Publish("execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count }, request);

        using var cell = new RunningCell(request, Flag(request.Content, "allow_stdin", true) && !silent, this, silent);
        Volatile.Write(ref _running, cell);
        CellExecution execution;
        try
        {
            var cellName = request.Metadata[CellNameMetadata] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null;
            execution = await _notebook.ExecuteAsync(code, cellName, cell.OnOutput, cell.Stop.Token);
        }
        finally
        {
            Volatile.Write(ref _running, null);
            cell.Close();
        }

        var failed = execution.Error is not null;
        Reply(socket, request, "execute_reply", execution.Error is { } error
            ? new JsonObject
            {
                ["status"] = "error",
                ["execution_count"] = execution.ExecutionCount,
                ["ename"] = error.Name,
                ["evalue"] = error.Message,
                ["traceback"] = Traceback(error),
            }
            : new JsonObject
            {
                ["status"] = "ok",
                ["execution_count"] = execution.ExecutionCount,
                ["payload"] = new JsonArray(),
                ["user_expressions"] = new JsonObject(),
            });
        return failed && Flag(request.Content, "stop_on_error", true);
    }

    /// <summary>
    /// After a failed cell with stop_on_error, the execute requests already received behind it (JupyterLab's "Run
    /// All") are answered "aborted" instead of run, as ipykernel does: later cells would run on a broken state.
    /// </summary>
    private void Abort(JupyterMessage request, RouterSocket socket) =>
        Reply(socket, request, "execute_reply", new JsonObject { ["status"] = "aborted", ["execution_count"] = _notebook.ExecutionCount });

    /// <summary>Asks the running cell, if any, to stop (it ends with a "Cancelled" error at its next loop checkpoint).</summary>
    private void Interrupt()
    {
        if (Volatile.Read(ref _running) is { } cell) cell.Cancel();
    }

    /// <summary>
    /// A cell called <c>Environment.Exit</c>: publish what it printed so far before the process ends, so the
    /// frontend (or the runner) shows the output that led up to the exit.
    /// </summary>
    private void FlushBeforeExit()
    {
        if (Volatile.Read(ref _running) is not { } cell) return;
        try
        {
            cell.FlushStreams();
            _loop.FlushAsync().Wait(ExitFlushAllowance);
            Thread.Sleep(ExitFlushAllowance); // NetMQ writes on its own I/O thread after the hand-over
        }
        catch (ObjectDisposedException)
        {
            // The kernel was shutting down already: nothing more can be sent.
        }
    }

    /// <summary>
    /// What frontends print for an error: JupyterLab and VS Code show the traceback only, so its first line is
    /// <c>Name: message</c> (as ipykernel's last line is), followed by the cell and line frames.
    /// </summary>
    internal static JsonArray Traceback(ErrorOutput error) =>
        new([JsonValue.Create($"{error.Name}: {error.Message}"), .. error.Traceback.Select(line => (JsonNode)JsonValue.Create(line))]);

    private void ReceiveInput(List<byte[]> frames)
    {
        try
        {
            var reply = JupyterMessage.Parse(frames, _signer);
            if (reply.MessageType != "input_reply") return;
            Interlocked.Exchange(ref _pendingInput, null)?.TrySetResult(Text(reply.Content, "value"));
        }
        catch (JupyterProtocolException e)
        {
            _log.WriteLine($"llmlab kernel: stdin: {e.Message}");
        }
    }

    /// <summary>
    /// <c>Console.ReadLine</c> in a cell: sends input_request to the frontend that ran the cell and waits for its
    /// input_reply. Null (end of input) when no cell runs on this thread or the frontend does not allow stdin.
    /// </summary>
    internal string? ReadLine(bool password = false)
    {
        if (Volatile.Read(ref _running) is not { AllowStdin: true } cell || CellContext.Current is not { } context) return null;
        var pending = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _pendingInput, pending)?.TrySetCanceled();
        cell.FlushStreams(); // a prompt written with Console.Write shows before the input box
        _loop.Send(_stdin, JupyterMessage.Create("input_request", _session, new JsonObject { ["prompt"] = "", ["password"] = password }, cell.Request).ToFrames(_signer));
        try
        {
            return pending.Task.WaitAsync(context.Stop).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new CellInterruptedException(context.StopReason);
        }
    }

    /// <summary>The cell being executed: its request (parent of its outputs), stop switch and pending stream text.</summary>
    private sealed class RunningCell : IDisposable
    {
        private readonly JupyterKernel _kernel;
        private readonly bool _silent;
        private readonly Lock _lock = new();
        private readonly StringBuilder _pending = new();
        private readonly Timer _flush;
        private string _pendingStream = StreamOutput.StandardOutput;
        private bool _closed;

        public RunningCell(JupyterMessage request, bool allowStdin, JupyterKernel kernel, bool silent)
        {
            Request = request;
            AllowStdin = allowStdin;
            _kernel = kernel;
            _silent = silent;
            _flush = new Timer(_ => FlushStreams(), null, StreamFlushMilliseconds, StreamFlushMilliseconds);
        }

        public JupyterMessage Request { get; }

        public bool AllowStdin { get; }

        public CancellationTokenSource Stop { get; } = new();

        public void Cancel()
        {
            try
            {
                Stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The cell ended while the interrupt arrived.
            }
        }

        /// <summary>One output as the session accepts it (under its lock, so in order): published unless the cell is over.</summary>
        public void OnOutput(CellOutputEvent update)
        {
            var output = update.Output;
            lock (_lock)
            {
                // An abandoned cell's thread may still print after its reply: those outputs belong to no request.
                if (_closed || _silent) return;
                if (output is StreamOutput stream)
                {
                    if (stream.Name != _pendingStream) FlushLocked();
                    _pendingStream = stream.Name;
                    _pending.Append(stream.Text);
                    return;
                }

                FlushLocked();
                switch (output)
                {
                    case DisplayDataOutput { ExecutionCount: { } count } result:
                        _kernel.Publish("execute_result", new JsonObject
                        {
                            ["execution_count"] = count,
                            ["data"] = MimeBundle.ToJson(result.Data),
                            ["metadata"] = result.Metadata?.DeepClone() ?? new JsonObject(),
                        }, Request);
                        break;
                    case DisplayDataOutput display:
                        _kernel.Publish(update.IsUpdate ? "update_display_data" : "display_data", new JsonObject
                        {
                            ["data"] = MimeBundle.ToJson(display.Data),
                            ["metadata"] = display.Metadata?.DeepClone() ?? new JsonObject(),
                            ["transient"] = update.DisplayId is { } id ? new JsonObject { ["display_id"] = id } : new JsonObject(),
                        }, Request);
                        break;
                    case ErrorOutput error:
                        _kernel.Publish("error", new JsonObject { ["ename"] = error.Name, ["evalue"] = error.Message, ["traceback"] = Traceback(error) }, Request);
                        break;
                }
            }
        }

        public void FlushStreams()
        {
            lock (_lock) FlushLocked();
        }

        /// <summary>Publishes what is pending and stops publishing: the reply comes next.</summary>
        public void Close()
        {
            lock (_lock)
            {
                FlushLocked();
                _closed = true;
            }
        }

        public void Dispose()
        {
            _flush.Dispose();
            Stop.Dispose();
        }

        private void FlushLocked()
        {
            if (_pending.Length == 0) return;
            _kernel.Publish("stream", new JsonObject { ["name"] = _pendingStream, ["text"] = _pending.ToString() }, Request);
            _pending.Clear();
        }
    }
}
