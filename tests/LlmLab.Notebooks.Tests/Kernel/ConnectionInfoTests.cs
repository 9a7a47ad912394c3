using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

public sealed class ConnectionInfoTests
{
    [Fact]
    public void A_connection_file_written_for_a_local_kernel_loads_back_with_the_same_ports_and_key()
    {
        var path = Path.Combine(TestPaths.TempDir(), "kernel.json");
        var written = ConnectionInfo.CreateLocal();

        written.Save(path);

        Assert.Equal(written, ConnectionInfo.Load(path));
        Assert.Equal(5, new[] { written.ShellPort, written.IOPubPort, written.StdinPort, written.ControlPort, written.HeartbeatPort }.Distinct().Count());
    }

    [Fact]
    public void A_connection_file_without_a_port_names_the_file_and_the_key()
    {
        var path = Path.Combine(TestPaths.TempDir(), "kernel.json");
        File.WriteAllText(path, """{"ip": "127.0.0.1", "transport": "tcp", "shell_port": 5000, "iopub_port": 5001, "stdin_port": 5002, "control_port": 5003, "key": "k"}""");

        var error = Assert.Throws<JupyterProtocolException>(() => ConnectionInfo.Load(path));

        Assert.Equal($"{path}: 'hb_port' must be a TCP port (1-65535); the connection file has none.", error.Message);
    }

    [Fact]
    public void A_connection_file_with_another_signature_scheme_is_refused()
    {
        var path = Path.Combine(TestPaths.TempDir(), "kernel.json");
        File.WriteAllText(path, """{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "k", "signature_scheme": "hmac-md5"}""");

        var error = Assert.Throws<JupyterProtocolException>(() => ConnectionInfo.Load(path));

        Assert.Contains("signature_scheme is 'hmac-md5'", error.Message);
    }

    [Fact]
    public void A_missing_connection_file_says_where_it_should_come_from()
    {
        var path = Path.Combine(TestPaths.TempDir(), "absent.json");

        var error = Assert.Throws<JupyterProtocolException>(() => ConnectionInfo.Load(path));

        Assert.Contains("does not exist", error.Message);
        Assert.Contains("--connection-file", error.Message);
    }
}
