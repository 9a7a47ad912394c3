using System.Text.Json.Nodes;
using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

public sealed class KernelSpecTests
{
    private static readonly KernelLaunch Launch = new(["/usr/bin/dotnet", "/opt/llmlab/LlmLab.Cli.dll"]);

    [Fact]
    public async Task Install_with_a_prefix_writes_kernel_json_under_share_jupyter_kernels_llmlab()
    {
        var prefix = TestPaths.TempDir();
        var stdout = new StringWriter();

        var code = await KernelCommand.InvokeAsync(["install", "--prefix", prefix], stdout, TextWriter.Null, Launch);

        Assert.Equal(0, code);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(prefix, "share", "jupyter", "kernels", "llmlab", "kernel.json")))!;
        Assert.Equal(["/usr/bin/dotnet", "/opt/llmlab/LlmLab.Cli.dll", "kernel", "--connection-file", "{connection_file}"],
            spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("LlmLab (C#)", spec["display_name"]!.GetValue<string>());
        Assert.Equal("C#", spec["language"]!.GetValue<string>());
        Assert.Equal("message", spec["interrupt_mode"]!.GetValue<string>());
        Assert.Contains("Installed kernelspec 'llmlab'", stdout.ToString());
    }

    [Fact]
    public async Task Install_for_the_user_honours_JUPYTER_DATA_DIR_as_jupyter_does()
    {
        var data = TestPaths.TempDir();
        var previous = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR");
        Environment.SetEnvironmentVariable("JUPYTER_DATA_DIR", data);
        try
        {
            Assert.Equal(0, await KernelCommand.InvokeAsync(["install", "--user"], TextWriter.Null, TextWriter.Null, Launch));
        }
        finally
        {
            Environment.SetEnvironmentVariable("JUPYTER_DATA_DIR", previous);
        }

        Assert.True(File.Exists(Path.Combine(data, "kernels", "llmlab", "kernel.json")));
    }

    [Fact]
    public async Task Install_with_both_user_and_prefix_is_a_usage_error()
    {
        var stderr = new StringWriter();

        var code = await KernelCommand.InvokeAsync(["install", "--user", "--prefix", TestPaths.TempDir()], TextWriter.Null, stderr, Launch);

        Assert.Equal(KernelCommand.ExitInvalidCommandLine, code);
        Assert.Contains("give --user or --prefix DIR, not both", stderr.ToString());
    }

    [Fact]
    public async Task Serving_without_a_connection_file_is_a_one_line_usage_error()
    {
        var stderr = new StringWriter();

        var code = await KernelCommand.InvokeAsync([], TextWriter.Null, stderr, Launch);

        Assert.Equal(KernelCommand.ExitInvalidCommandLine, code);
        Assert.Single(stderr.ToString().TrimEnd().Split('\n'));
        Assert.Contains("--connection-file", stderr.ToString());
    }
}
