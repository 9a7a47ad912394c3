using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using NetMQ;
using NetMQ.Sockets;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// Starts one LlmLab kernel process and drives it as a Jupyter client (what <c>llmlab run</c> does): sends each cell
/// as an execute_request and rebuilds its outputs from iopub, and notices when the process dies. A cell cannot take
/// the runner down with it: <c>Environment.Exit</c>, a stack overflow or a crash end the kernel process only.
/// </summary>
internal sealed class KernelClient : IAsyncDisposable
{
    /// <summary>
    /// How long a kernel may take to answer kernel_info after starting: .NET start-up and Roslyn's first
    /// compilation take 2-5 s; a loaded CI machine may need several times that.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Time past a cell's limit before the runner interrupts it itself: the kernel stops a cell at its limit and
    /// abandons one that does not stop within <see cref="NotebookSessionOptions.StopGracePeriod"/> (2 s), so a
    /// kernel that has not replied by then is stuck.
    /// </summary>
    public static readonly TimeSpan StuckAllowance = TimeSpan.FromSeconds(15);

    /// <summary>How long an interrupted cell (Ctrl-C, or stuck) may take to end before the kernel process is killed.</summary>
    public static readonly TimeSpan InterruptAllowance = TimeSpan.FromSeconds(10);

    /// <summary>How often kernel_info is re-sent while waiting for a new kernel (iopub subscriptions take a moment to connect).</summary>
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>How long outputs may trail the execute_reply (nbclient's iopub_timeout is 4 s).</summary>
    private static readonly TimeSpan IdleAfterReplyAllowance = TimeSpan.FromSeconds(4);

    /// <summary>How long a shutdown_request may take before the process is killed.</summary>
    private static readonly TimeSpan ShutdownAllowance = TimeSpan.FromSeconds(5);

    /// <summary>Lines of the kernel's own stderr kept for the message when it dies ("Stack overflow.", a crash report).</summary>
    private const int StderrTailLines = 40;

    /// <summary>Characters kept per stderr line (a stack overflow repeats one long frame).</summary>
    private const int StderrLineCharacters = 400;

    private readonly Process _process;
    private readonly string _connectionFile;
    private readonly MessageSigner _signer;
    private readonly SocketLoop _loop = new("llmlab-kernel-client");
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JupyterMessage>> _replies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Action<JupyterMessage>> _iopubHandlers = new(StringComparer.Ordinal);
    private readonly Queue<string> _stderrTail = new();
    private readonly TaskCompletionSource _iopubSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _exited;
    private DealerSocket _shell = null!;
    private DealerSocket _control = null!;
    private DealerSocket _stdin = null!;

    private KernelClient(Process process, string connectionFile, ConnectionInfo connection, Func<string, string?>? input)
    {
        Input = input;
        _process = process;
        _connectionFile = connectionFile;
        _signer = new MessageSigner(connection.Key);
        _exited = process.WaitForExitAsync();
        Connect(connection);
    }

    /// <summary>Answers a cell's <c>Console.ReadLine</c> (input_request); null sends allow_stdin=false, so reads see end of input.</summary>
    public Func<string, string?>? Input { get; }

    /// <summary>Whether the kernel process has ended (died, or was killed).</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>The process id, for diagnostics.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts a kernel process and waits until it answers kernel_info and its iopub messages arrive.</summary>
    /// <param name="launch">How to start llmlab.</param>
    /// <param name="kernelOptions">Options after <c>kernel --connection-file FILE</c> (parameters, timeout, notebook folder).</param>
    /// <param name="cancellationToken">Stops waiting (the process is killed).</param>
    /// <param name="input">Answers <c>Console.ReadLine</c> in cells; null: cells read end of input.</param>
    /// <exception cref="KernelStartException">The process could not start, exited, or did not answer in time.</exception>
    public static async Task<KernelClient> StartAsync(KernelLaunch launch, IEnumerable<string> kernelOptions, CancellationToken cancellationToken, Func<string, string?>? input = null)
    {
        var connection = ConnectionInfo.CreateLocal();
        var connectionFile = Path.Combine(Path.GetTempPath(), $"llmlab-kernel-{Guid.NewGuid():N}.json");
        connection.Save(connectionFile);
        var arguments = launch.KernelArguments(connectionFile, kernelOptions);
        var start = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments.Skip(1)) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new KernelStartException($"'{arguments[0]}' did not start a process.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            File.Delete(connectionFile);
            throw new KernelStartException($"cannot start the kernel ({string.Join(' ', arguments)}): {e.Message}", e);
        }

        var client = new KernelClient(process, connectionFile, connection, input);
        try
        {
            await client.WaitReadyAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs one cell and returns its outputs. A kernel that dies meanwhile, or does not stop when asked, gives an
    /// error output (the process is then gone: <see cref="HasExited"/>); nothing here throws for what a cell does.
    /// </summary>
    /// <param name="code">The cell's text (magics and C#).</param>
    /// <param name="cellName">How errors name the cell (<c>cell 4</c>); the kernel uses it too.</param>
    /// <param name="timeout">The cell's time limit (the kernel enforces it; past it plus <see cref="StuckAllowance"/> the runner steps in).</param>
    /// <param name="cancellationToken">Interrupts the cell (Ctrl-C): an interrupt_request, then a kill if it does not stop.</param>
    public async Task<CellExecution> ExecuteAsync(string code, string cellName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var request = JupyterMessage.Create("execute_request", _session, new JsonObject
        {
            ["code"] = code,
            ["silent"] = false,
            ["store_history"] = true,
            ["user_expressions"] = new JsonObject(),
            ["allow_stdin"] = Input is not null,
            ["stop_on_error"] = true,
        }, null) with { Metadata = new JsonObject { [JupyterKernel.CellNameMetadata] = cellName } };

        var outputs = new KernelOutputs();
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executionCount = 0; // from execute_input, so a cell that ends the kernel still shows its number
        _iopubHandlers[request.MessageId] = message =>
        {
            switch (message.MessageType)
            {
                case "status":
                    if (message.Content["execution_state"]?.ToString() == "idle") idle.TrySetResult();
                    break;
                case "execute_input":
                    if (message.Content["execution_count"] is JsonValue c && c.TryGetValue<int>(out var n)) Volatile.Write(ref executionCount, n);
                    break;
                default:
                    outputs.Add(message);
                    break;
            }
        };
        var reply = Expect(request);
        _loop.Send(_shell, request.ToFrames(_signer));

        var done = ReplyThenIdleAsync(reply, idle.Task);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onCancel = cancellationToken.Register(() => cancelled.TrySetResult());
        var stuck = timeout == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, CancellationToken.None) : Task.Delay(timeout + StuckAllowance, CancellationToken.None);
        var interruptedBecause = (string?)null;
        try
        {
            while (true)
            {
                var first = await Task.WhenAny(done, _exited, stuck, cancelled.Task);
                if (first == done)
                {
                    var content = (await reply).Content;
                    var count = content["execution_count"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
                    if (content["status"]?.ToString() == "aborted")
                    {
                        outputs.Add(new ErrorOutput("Aborted", $"{cellName} was not run: a cell before it failed, and the kernel aborts the cells queued behind a failure.", []));
                    }

                    return new CellExecution(count, outputs.Snapshot(), new CellTiming(started, DateTimeOffset.UtcNow));
                }

                if (first == _exited)
                {
                    outputs.Add(Died(cellName));
                    return new CellExecution(Volatile.Read(ref executionCount), outputs.Snapshot(), new CellTiming(started, DateTimeOffset.UtcNow));
                }

                if (interruptedBecause is null)
                {
                    // First the polite way: the kernel stops the cell at its next loop checkpoint and replies.
                    interruptedBecause = first == stuck
                        ? $"{cellName} ran {DurationText.Of(timeout + StuckAllowance)}, past its time limit of {DurationText.Of(timeout)}, and the kernel did not answer"
                        : $"{cellName} was interrupted";
                    Send(_control, "interrupt_request");
                    stuck = Task.Delay(InterruptAllowance, CancellationToken.None);
                    cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    continue;
                }

                Kill();
                await _exited;
                outputs.Add(new ErrorOutput(first == stuck && !cancellationToken.IsCancellationRequested ? CellErrors.Timeout : CellErrors.Cancelled,
                    $"{interruptedBecause}; it did not stop within {DurationText.Of(InterruptAllowance)} of an interrupt, so the kernel process was ended " +
                    "(a new one runs later cells, without the variables of earlier ones).", []));
                return new CellExecution(Volatile.Read(ref executionCount), outputs.Snapshot(), new CellTiming(started, DateTimeOffset.UtcNow));
            }
        }
        finally
        {
            _iopubHandlers.TryRemove(request.MessageId, out _);
            _replies.TryRemove(request.MessageId, out _);
        }
    }

    /// <summary>
    /// A cell is over when its reply has come and its outputs too (the idle status after them, on iopub); should
    /// the idle status be lost, the reply alone ends the cell after <see cref="IdleAfterReplyAllowance"/>, as nbclient does.
    /// </summary>
    private static async Task ReplyThenIdleAsync(Task<JupyterMessage> reply, Task idle)
    {
        await reply;
        await Task.WhenAny(idle, Task.Delay(IdleAfterReplyAllowance));
    }

    /// <summary>Asks the kernel to shut down (shutdown_request on control), kills it if it does not, and releases the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Send(_control, "shutdown_request", new JsonObject { ["restart"] = false });
            if (await Task.WhenAny(_exited, Task.Delay(ShutdownAllowance)) != _exited) Kill();
            await _exited;
        }

        _loop.Dispose();
        _process.Dispose();
        try
        {
            File.Delete(_connectionFile);
        }
        catch (IOException)
        {
            // A leftover connection file in the temp folder is harmless.
        }
    }

    private void Connect(ConnectionInfo connection)
    {
        var identity = Encoding.UTF8.GetBytes(_session);
        _shell = _loop.Add(new DealerSocket(), ReceiveReply);
        _control = _loop.Add(new DealerSocket(), ReceiveReply);
        _stdin = _loop.Add(new DealerSocket(), ReceiveInputRequest);
        var iopub = _loop.Add(new SubscriberSocket(), ReceiveIOPub);
        // The kernel routes input_request by the shell socket's identity: stdin must share it.
        _shell.Options.Identity = identity;
        _stdin.Options.Identity = identity;
        iopub.SubscribeToAnyTopic();
        iopub.Options.ReceiveHighWatermark = 0; // never drop a cell's outputs (the kernel bounds them)
        _shell.Connect(connection.Endpoint(connection.ShellPort));
        _control.Connect(connection.Endpoint(connection.ControlPort));
        _stdin.Connect(connection.Endpoint(connection.StdinPort));
        iopub.Connect(connection.Endpoint(connection.IOPubPort));
        _loop.Start();

        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(e.Data.Length > StderrLineCharacters ? e.Data[..StderrLineCharacters] + "…" : e.Data);
                if (_stderrTail.Count > StderrTailLines) _stderrTail.Dequeue();
            }
        };
        _process.OutputDataReceived += (_, _) => { }; // drained so the kernel never blocks on a full pipe
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var replied = new List<Task<JupyterMessage>>();
        while (true)
        {
            if (HasExited) throw new KernelStartException($"the kernel process exited with code {_process.ExitCode} before answering: {StderrSummary()}");
            if (deadline.Elapsed > StartTimeout) throw new KernelStartException($"the kernel did not answer kernel_info within {DurationText.Of(StartTimeout)}. {StderrSummary()}");
            cancellationToken.ThrowIfCancellationRequested();
            var request = JupyterMessage.Create("kernel_info_request", _session, [], null);
            replied.Add(Expect(request));
            _loop.Send(_shell, request.ToFrames(_signer));
            await Task.WhenAny(Task.Delay(ReadyPoll, cancellationToken), _exited);
            if (replied.Any(r => r.IsCompleted) && _iopubSeen.Task.IsCompleted) return;
        }
    }

    private Task<JupyterMessage> Expect(JupyterMessage request)
    {
        var reply = new TaskCompletionSource<JupyterMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[request.MessageId] = reply;
        return reply.Task;
    }

    private void Send(DealerSocket socket, string type, JsonObject? content = null) =>
        _loop.Send(socket, JupyterMessage.Create(type, _session, content ?? [], null).ToFrames(_signer));

    private void ReceiveReply(List<byte[]> frames)
    {
        if (Parse(frames) is { } reply && _replies.TryRemove(reply.ParentMessageId, out var waiter)) waiter.TrySetResult(reply);
    }

    private void ReceiveIOPub(List<byte[]> frames)
    {
        if (Parse(frames) is not { } message) return;
        _iopubSeen.TrySetResult();
        if (_iopubHandlers.TryGetValue(message.ParentMessageId, out var handler)) handler(message);
    }

    private void ReceiveInputRequest(List<byte[]> frames)
    {
        if (Parse(frames) is not { MessageType: "input_request" } request) return;
        var prompt = request.Content["prompt"]?.ToString() ?? "";
        // The answer may take a person's time: ask off the socket thread, and queue the reply.
        _ = Task.Run(() =>
        {
            var value = Input?.Invoke(prompt) ?? "";
            _loop.Send(_stdin, JupyterMessage.Create("input_reply", _session, new JsonObject { ["value"] = value }, request).ToFrames(_signer));
        });
    }

    private JupyterMessage? Parse(List<byte[]> frames)
    {
        try
        {
            return JupyterMessage.Parse(frames, _signer);
        }
        catch (JupyterProtocolException)
        {
            return null; // not from our kernel (signed with another key): ignore, as Jupyter clients do
        }
    }

    private ErrorOutput Died(string cellName)
    {
        var code = _process.ExitCode;
        var how = code > 128 && !OperatingSystem.IsWindows() ? $"exit code {code}, signal {SignalName(code - 128)}" : $"exit code {code}";
        var stderr = StderrLines();
        var said = stderr.FirstOrDefault(l => l.Trim().Length > 0) is { } first ? $" It said: {first.Trim()}" : "";
        return new ErrorOutput("KernelDied",
            $"{cellName} ended the kernel process ({how}).{said} The notebook's variables, functions and models went with it; any later cells run in a new kernel.",
            stderr.Take(StderrTailLines).ToArray());
    }

    private string StderrSummary()
    {
        var lines = StderrLines();
        return lines.Count == 0 ? "(it wrote nothing to stderr)" : string.Join(" | ", lines.TakeLast(5));
    }

    private List<string> StderrLines()
    {
        lock (_stderrTail) return [.. _stderrTail];
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string SignalName(int signal) => signal switch
    {
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
