using NetMQ;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// Owns a set of ZeroMQ sockets on one thread (NetMQ sockets are not thread-safe): received messages go to each
/// socket's handler on that thread, and any thread sends by queueing frames, which the loop thread writes in order.
/// Both the kernel and the client that drives it (the runner) use one.
/// </summary>
internal sealed class SocketLoop : IDisposable
{
    /// <summary>
    /// Largest message a socket accepts (bytes): a display of a big chart is a few MB; anything far larger is a
    /// broken or hostile peer, and NetMQ would otherwise allocate whatever length a frame header claims.
    /// </summary>
    public const long MaxMessageBytes = 256L * 1024 * 1024;

    /// <summary>How long closing waits to deliver queued messages (a shutdown_reply, the last outputs).</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    private readonly NetMQPoller _poller = [];
    private readonly NetMQQueue<Action> _work = new();
    private readonly List<NetMQSocket> _sockets = [];
    private readonly string _name;

    public SocketLoop(string name)
    {
        _name = name;
        _work.ReceiveReady += (_, e) =>
        {
            while (e.Queue.TryDequeue(out var action, TimeSpan.Zero)) action();
        };
        _poller.Add(_work);
    }

    /// <summary>Adds a socket; <paramref name="onFrames"/> runs on the loop thread for each message it receives.</summary>
    public T Add<T>(T socket, Action<List<byte[]>> onFrames)
        where T : NetMQSocket
    {
        socket.Options.Linger = Linger;
        socket.Options.MaxMsgSize = MaxMessageBytes;
        socket.ReceiveReady += (_, e) =>
        {
            List<byte[]>? frames = null;
            while (e.Socket.TryReceiveMultipartBytes(ref frames!))
            {
                onFrames(frames);
                frames = null; // NetMQ refills a list it is given: each message gets its own
            }
        };
        _sockets.Add(socket);
        _poller.Add(socket);
        return socket;
    }

    /// <summary>Adds a socket that only sends.</summary>
    public T AddSender<T>(T socket)
        where T : NetMQSocket
    {
        socket.Options.Linger = Linger;
        _sockets.Add(socket);
        return socket;
    }

    public void Start() => _poller.RunAsync(_name, isBackgroundThread: true);

    /// <summary>Queues a message for <paramref name="socket"/> (sent on the loop thread, in call order).</summary>
    public void Send(NetMQSocket socket, List<byte[]> frames) => _work.Enqueue(() => socket.SendMultipartBytes(frames));

    /// <summary>Runs <paramref name="action"/> on the loop thread (where the sockets may be touched).</summary>
    public void Post(Action action) => _work.Enqueue(action);

    /// <summary>Completes once every message queued before the call has been handed to its socket.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Enqueue(done.SetResult);
        return done.Task;
    }

    public void Dispose()
    {
        if (_poller.IsRunning) _poller.Stop();
        _poller.Dispose();
        foreach (var socket in _sockets) socket.Dispose();
        _work.Dispose();
    }
}
