using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LlmLab.Notebooks.Execution;
using Microsoft.CodeAnalysis.CSharp;
using NetMQ;
using NetMQ.Sockets;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// LlmLab's Jupyter kernel: serves the Jupyter messaging protocol 5.3 over ZeroMQ for one <see cref="NotebookSession"/>,
/// so JupyterLab, VS Code's Jupyter extension and nbclient run LlmLab cells (C#, magics, formatters, charts) as
/// <c>llmlab run</c> does. Spec: https://jupyter-client.readthedocs.io/en/stable/messaging.html.
/// </summary>
/// <remarks>
/// Sockets (all on one <see cref="SocketLoop"/> thread): shell (ROUTER) for requests, control (ROUTER) for interrupt
/// and shutdown, served by its own worker so they work while a cell runs; iopub (PUB) for status and outputs; stdin
/// (ROUTER) for <c>Console.ReadLine</c>; heartbeat (REP) echoes. Every request is framed by busy/idle status on iopub,
/// and a request's outputs are published before its reply is sent, as frontends expect.
/// </remarks>
public sealed partial class JupyterKernel : IDisposable
{
    /// <summary>How long shutting down waits for a running cell to stop after being interrupted.</summary>
    private static readonly TimeSpan ShutdownAllowance = TimeSpan.FromSeconds(3);

    private readonly ConnectionInfo _connection;
    private readonly KernelOptions _options;
    private readonly MessageSigner _signer;
    private readonly SocketLoop _loop = new("llmlab-kernel");
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly Channel<JupyterMessage> _shellRequests = Channel.CreateUnbounded<JupyterMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<JupyterMessage> _controlRequests = Channel.CreateUnbounded<JupyterMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TextWriter _log;
    private RouterSocket _shell = null!;
    private RouterSocket _control = null!;
    private RouterSocket _stdin = null!;
    private PublisherSocket _iopub = null!;
    private NotebookSession _notebook = null!;

    // Shell messages received (counted on the socket thread, in channel order), and the count up to which queued
    // execute requests are aborted after a failed cell with stop_on_error.
    private long _shellReceived;
    private long _abortThrough;

    /// <summary>Creates a kernel for a connection file's sockets and key; <see cref="RunAsync"/> serves it.</summary>
    /// <param name="connection">Where to listen, and the signing key.</param>
    /// <param name="options">Cell time limit, parameters, base folder.</param>
    /// <param name="log">Where protocol problems are reported (the kernel's stderr, which Jupyter shows in its log).</param>
    public JupyterKernel(ConnectionInfo connection, KernelOptions options, TextWriter log)
    {
        _connection = connection;
        _options = options;
        _log = log;
        _signer = new MessageSigner(connection.Key);
    }

    /// <summary>
    /// Key of an execute_request's metadata naming the cell for error messages (<c>cell 4</c>, its place in the
    /// notebook); the runner sends it. Without it cells are named by execution count (<c>cell [4]</c>).
    /// </summary>
    internal const string CellNameMetadata = "llmlab_cell_name";

    /// <summary>The implementation version in kernel_info: LlmLab.Notebooks' informational version.</summary>
    public static string Version { get; } =
        typeof(JupyterKernel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Binds the sockets, starts the session, and serves requests until a shutdown_request.</summary>
    /// <param name="cancellationToken">Ends serving as a shutdown would.</param>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        _shell = _loop.Add(new RouterSocket(), frames =>
        {
            if (Receive(frames, "shell", _shellRequests.Writer)) Interlocked.Increment(ref _shellReceived);
        });
        _control = _loop.Add(new RouterSocket(), frames => Receive(frames, "control", _controlRequests.Writer));
        _stdin = _loop.Add(new RouterSocket(), ReceiveInput);
        _iopub = _loop.AddSender(new PublisherSocket());
        // ZeroMQ drops PUB messages past the high-water mark (1000 queued): a cell displaying in a fast loop could
        // lose outputs, or the idle status the client waits for, whenever the client reads slower than the cell
        // writes. A cell's outputs are bounded already (CellOutputCollector's limits), so the queue is too.
        _iopub.Options.SendHighWatermark = 0;
        var heartbeat = new ResponseSocket();
        _loop.Add(heartbeat, frames => heartbeat.SendMultipartBytes(frames));
        _shell.Bind(_connection.Endpoint(_connection.ShellPort));
        _control.Bind(_connection.Endpoint(_connection.ControlPort));
        _stdin.Bind(_connection.Endpoint(_connection.StdinPort));
        _iopub.Bind(_connection.Endpoint(_connection.IOPubPort));
        heartbeat.Bind(_connection.Endpoint(_connection.HeartbeatPort));
        _loop.Start();
        Publish("status", new JsonObject { ["execution_state"] = "starting" }, null);

        _notebook = await NotebookSession.StartAsync(
            new NotebookSessionOptions { CellTimeout = _options.CellTimeout, Parameters = _options.Parameters, BaseDirectory = _options.BaseDirectory },
            cancellationToken);
        Console.SetIn(new KernelInputReader(this));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => FlushBeforeExit();
        using var interruptSignal = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            // Ctrl-C in a terminal reaches every process of the group, the kernel too: it stops the running cell, not the kernel.
            context.Cancel = true;
            Interrupt();
        });

        // Two workers: control requests (interrupt, shutdown) are served while a shell request runs a cell.
        var workers = Task.WhenAll(ServeAsync(_shellRequests.Reader, _shell), ServeAsync(_controlRequests.Reader, _control));
        await using (cancellationToken.Register(() => _shutdown.TrySetResult()))
        {
            await _shutdown.Task;
        }

        Interrupt();
        _shellRequests.Writer.TryComplete();
        _controlRequests.Writer.TryComplete();
        // A cell that ignores the interrupt (blocked in a call) must not hold the shutdown: wait briefly, then go.
        await Task.WhenAny(workers, Task.Delay(ShutdownAllowance, CancellationToken.None));
        await _loop.FlushAsync();
    }

    /// <inheritdoc/>
    public void Dispose() => _loop.Dispose();

    private bool Receive(List<byte[]> frames, string channel, ChannelWriter<JupyterMessage> requests)
    {
        try
        {
            return requests.TryWrite(JupyterMessage.Parse(frames, _signer));
        }
        catch (JupyterProtocolException e)
        {
            _log.WriteLine($"llmlab kernel: {channel}: {e.Message}");
            return false;
        }
    }

    private async Task ServeAsync(ChannelReader<JupyterMessage> requests, RouterSocket socket)
    {
        var isShell = ReferenceEquals(socket, _shell);
        long read = 0;
        await foreach (var request in requests.ReadAllAsync())
        {
            read += isShell ? 1 : 0;
            Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
            try
            {
                if (isShell && request.MessageType == "execute_request" && read <= Volatile.Read(ref _abortThrough)) Abort(request, socket);
                else if (await HandleAsync(request, socket)) Volatile.Write(ref _abortThrough, Volatile.Read(ref _shellReceived));
            }
            catch (Exception e)
            {
                // A request LlmLab cannot answer must not end the kernel: report it to the frontend and the log.
                _log.WriteLine($"llmlab kernel: {request.MessageType} failed: {e}");
                if (request.MessageType.EndsWith("_request", StringComparison.Ordinal))
                {
                    Reply(socket, request, request.MessageType.Replace("_request", "_reply", StringComparison.Ordinal), new JsonObject
                    {
                        ["status"] = "error",
                        ["ename"] = e.GetType().Name,
                        ["evalue"] = e.Message,
                        ["traceback"] = new JsonArray(),
                    });
                }
            }
            finally
            {
                Publish("status", new JsonObject { ["execution_state"] = "idle" }, request);
            }
        }
    }

    /// <returns>Whether queued execute requests must be aborted (a cell failed with stop_on_error).</returns>
    private async Task<bool> HandleAsync(JupyterMessage request, RouterSocket socket)
    {
        var content = request.Content;
        switch (request.MessageType)
        {
            case "kernel_info_request":
                Reply(socket, request, "kernel_info_reply", KernelInfo());
                break;
            case "execute_request":
                return await ExecuteAsync(request, socket);
            case "complete_request":
                Reply(socket, request, "complete_reply", Complete(Text(content, "code"), Int(content, "cursor_pos", Text(content, "code").Length)));
                break;
            case "inspect_request":
                Reply(socket, request, "inspect_reply", Inspect(Text(content, "code"), Int(content, "cursor_pos", Text(content, "code").Length)));
                break;
            case "is_complete_request":
                var status = CSharpEditorServices.Completeness(EditorCode.Of(Text(content, "code")).Text);
                Reply(socket, request, "is_complete_reply", status == "incomplete"
                    ? new JsonObject { ["status"] = status, ["indent"] = "" }
                    : new JsonObject { ["status"] = status });
                break;
            case "history_request":
                // LlmLab keeps no history database; an empty history is a valid answer.
                Reply(socket, request, "history_reply", new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() });
                break;
            case "comm_info_request":
                Reply(socket, request, "comm_info_reply", new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() });
                break;
            case "interrupt_request":
                Interrupt();
                Reply(socket, request, "interrupt_reply", new JsonObject { ["status"] = "ok" });
                break;
            case "shutdown_request":
                var restart = content["restart"] is JsonValue r && r.TryGetValue<bool>(out var b) && b;
                Reply(socket, request, "shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart });
                _shutdown.TrySetResult();
                break;
            case "comm_open" or "comm_msg" or "comm_close":
                // LlmLab offers no comm targets (no widgets); the protocol lets a kernel ignore these.
                break;
            default:
                _log.WriteLine($"llmlab kernel: ignored a '{request.MessageType}' message: LlmLab's kernel does not handle this type.");
                break;
        }

        return false;
    }

    private JsonObject KernelInfo()
    {
        var csharp = LanguageVersion.Latest.MapSpecifiedToEffectiveVersion().ToDisplayString();
        return new JsonObject
        {
            ["status"] = "ok",
            ["protocol_version"] = JupyterMessage.ProtocolVersion,
            ["implementation"] = KernelSpec.Name,
            ["implementation_version"] = Version,
            ["language_info"] = new JsonObject
            {
                ["name"] = KernelSpec.Language,
                ["version"] = csharp,
                ["mimetype"] = "text/x-csharp",
                ["file_extension"] = ".cs",
                ["pygments_lexer"] = "csharp",
                ["codemirror_mode"] = "text/x-csharp",
            },
            ["banner"] = $"LlmLab {Version} kernel: C# {csharp} on .NET {Environment.Version}. Cells share variables; " +
                         "magics (#!llm-help lists them), display(value), charts and LlmLab's records work as in `llmlab run`.",
            ["help_links"] = new JsonArray(),
            ["debugger"] = false,
        };
    }

    private JsonObject Complete(string cell, int cursorPos)
    {
        var code = EditorCode.Of(cell);
        var (symbols, start, end) = CSharpEditorServices.Complete(_notebook, code.Text, code.ToIndex(cursorPos));
        var (startPoints, endPoints) = (code.ToCodePoints(start), code.ToCodePoints(end));
        return new JsonObject
        {
            ["status"] = "ok",
            ["matches"] = new JsonArray(symbols.Select(s => (JsonNode)JsonValue.Create(s.Name)).ToArray()),
            ["cursor_start"] = startPoints,
            ["cursor_end"] = endPoints,
            ["metadata"] = new JsonObject
            {
                ["_jupyter_types_experimental"] = new JsonArray(symbols.Select(s => (JsonNode)new JsonObject
                {
                    ["text"] = s.Name,
                    ["type"] = CSharpEditorServices.KindName(s),
                    ["start"] = startPoints,
                    ["end"] = endPoints,
                }).ToArray()),
            },
        };
    }

    private JsonObject Inspect(string cell, int cursorPos)
    {
        var code = EditorCode.Of(cell);
        var text = CSharpEditorServices.Inspect(_notebook, code.Text, code.ToIndex(cursorPos));
        return new JsonObject
        {
            ["status"] = "ok",
            ["found"] = text is not null,
            ["data"] = text is null ? new JsonObject() : new JsonObject { ["text/plain"] = text },
            ["metadata"] = new JsonObject(),
        };
    }

    private void Reply(RouterSocket socket, JupyterMessage request, string type, JsonObject content) =>
        _loop.Send(socket, JupyterMessage.Create(type, _session, content, request).ToFrames(_signer));

    private void Publish(string type, JsonObject content, JupyterMessage? parent)
    {
        var message = JupyterMessage.Create(type, _session, content, parent, routeToParent: false) with
        {
            Identities = [System.Text.Encoding.UTF8.GetBytes($"kernel.{_session}.{type}")],
        };
        _loop.Send(_iopub, message.ToFrames(_signer));
    }

    private static string Text(JsonObject content, string key) =>
        content[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    private static int Int(JsonObject content, string key, int fallback) =>
        content[key] is JsonValue value && value.TryGetValue<int>(out var number) ? number : fallback;

    private static bool Flag(JsonObject content, string key, bool fallback) =>
        content[key] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : fallback;
}
