using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// A Jupyter connection file: where the kernel's five sockets listen and the key that signs messages. Jupyter
/// writes one per kernel and starts the kernel with its path. Spec: jupyter-client "Connection files".
/// </summary>
/// <param name="Transport"><c>tcp</c> (or <c>ipc</c>).</param>
/// <param name="IP">Address the kernel binds, e.g. <c>127.0.0.1</c>.</param>
/// <param name="ShellPort">Requests and replies (ROUTER).</param>
/// <param name="IOPubPort">Outputs and status broadcast (PUB).</param>
/// <param name="StdinPort">input_request to the frontend (ROUTER).</param>
/// <param name="ControlPort">Interrupt and shutdown, served while a cell runs (ROUTER).</param>
/// <param name="HeartbeatPort">Echo socket that says the kernel is alive (REP).</param>
/// <param name="Key">HMAC key; empty for unsigned messages.</param>
public sealed record ConnectionInfo(string Transport, string IP, int ShellPort, int IOPubPort, int StdinPort, int ControlPort, int HeartbeatPort, string Key)
{
    /// <summary>Connection files are a few hundred bytes; a larger one is not a connection file.</summary>
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>Bytes of randomness in a key <see cref="CreateLocal"/> makes (as jupyter_client: a UUID's worth).</summary>
    private const int KeyBytes = 16;

    /// <summary>The <c>signature_scheme</c>; always <c>hmac-sha256</c>.</summary>
    public string SignatureScheme { get; init; } = MessageSigner.Scheme;

    /// <summary>The kernelspec name written into the file (informational).</summary>
    public string KernelName { get; init; } = "";

    /// <summary>The ZeroMQ endpoint of a port: <c>tcp://127.0.0.1:PORT</c>.</summary>
    public string Endpoint(int port) => Transport == "ipc" ? $"ipc://{IP}-{port}" : $"{Transport}://{IP}:{port}";

    /// <summary>Reads and checks a connection file.</summary>
    /// <exception cref="JupyterProtocolException">Missing or unreadable, not JSON, a port or the key missing, an unknown scheme.</exception>
    public static ConnectionInfo Load(string path)
    {
        JsonObject root;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new JupyterProtocolException($"{path}: the connection file does not exist; Jupyter writes it and passes its path as --connection-file.");
            if (info.Length > MaxFileBytes) throw new JupyterProtocolException($"{path}: {info.Length} bytes is too large for a connection file (at most {MaxFileBytes}); pass the file Jupyter wrote.");
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new JupyterProtocolException($"{path}: a connection file is a JSON object; this one is not.");
        }
        catch (JsonException e)
        {
            throw new JupyterProtocolException($"{path}: the connection file is not valid JSON ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new JupyterProtocolException($"{path}: cannot read the connection file ({e.Message}).", e);
        }

        var scheme = Text(root, "signature_scheme", path, MessageSigner.Scheme);
        if (scheme != MessageSigner.Scheme)
        {
            throw new JupyterProtocolException($"{path}: signature_scheme is '{scheme}'; LlmLab's kernel signs with {MessageSigner.Scheme} only.");
        }

        return new ConnectionInfo(
            Text(root, "transport", path, "tcp"), Text(root, "ip", path, "127.0.0.1"),
            Port(root, "shell_port", path), Port(root, "iopub_port", path), Port(root, "stdin_port", path),
            Port(root, "control_port", path), Port(root, "hb_port", path), Text(root, "key", path, null))
        {
            KernelName = Text(root, "kernel_name", path, ""),
        };
    }

    /// <summary>
    /// A connection on free local TCP ports with a random key, as a Jupyter client makes one for a kernel it
    /// starts (the ports are free when chosen; the kernel binds them moments later).
    /// </summary>
    public static ConnectionInfo CreateLocal()
    {
        var ports = FreePorts(5);
        return new ConnectionInfo("tcp", "127.0.0.1", ports[0], ports[1], ports[2], ports[3], ports[4], Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyBytes)))
        {
            KernelName = KernelSpec.Name,
        };
    }

    /// <summary>Writes the file with jupyter_client's key names, readable by the owner only (it holds the key).</summary>
    public void Save(string path)
    {
        var root = new JsonObject
        {
            ["transport"] = Transport,
            ["ip"] = IP,
            ["shell_port"] = ShellPort,
            ["iopub_port"] = IOPubPort,
            ["stdin_port"] = StdinPort,
            ["control_port"] = ControlPort,
            ["hb_port"] = HeartbeatPort,
            ["key"] = Key,
            ["signature_scheme"] = SignatureScheme,
            ["kernel_name"] = KernelName,
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static int[] FreePorts(int count)
    {
        // Hold all listeners open until every port is chosen, so the five are distinct.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }

    private static string Text(JsonObject root, string key, string path, string? fallback)
    {
        var node = root[key];
        if (node is null)
        {
            return fallback ?? throw new JupyterProtocolException($"{path}: the connection file has no '{key}'; pass the file Jupyter wrote.");
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new JupyterProtocolException($"{path}: '{key}' in the connection file must be a string.");
    }

    private static int Port(JsonObject root, string key, string path) =>
        root[key] is JsonValue value && value.TryGetValue<int>(out var port) && port is > 0 and <= IPEndPoint.MaxPort
            ? port
            : throw new JupyterProtocolException($"{path}: '{key}' must be a TCP port (1-65535); the connection file has {root[key]?.ToJsonString() ?? "none"}.");
}
