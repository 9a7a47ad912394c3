using System.Diagnostics;

namespace LlmLab.Tests.Cli;

/// <summary>The <c>./llmlab</c> script at the repository root: builds the Release CLI only when sources changed.</summary>
public sealed class LauncherTests
{
    /// <summary>
    /// Generous bound on a call that builds nothing (measured ≈ 0.12 s for --help on a 2-core machine under load); a
    /// build takes 30 s or more, so anything near this bound means the script rebuilt.
    /// </summary>
    private static readonly TimeSpan NoBuildBound = TimeSpan.FromSeconds(5);

    [Fact]
    public void Files_regenerated_under_obj_by_dotnet_test_do_not_make_the_launcher_rebuild()
    {
        string script = Path.Combine(Fixtures.RepoRoot, "llmlab");
        var first = Run(script); // builds the Release CLI when this checkout has not built it since its sources changed
        Assert.True(first.ExitCode == 0, first.Stderr);
        string stamp = Path.Combine(Fixtures.RepoRoot, "src", "LlmLab.Cli", "bin", "Release", "net10.0", ".llmlab-build-stamp");
        var built = File.GetLastWriteTimeUtc(stamp);

        // What `dotnet test` does to the tree: files under obj/ (AssemblyInfo.cs, GlobalUsings.g.cs) rewritten after the build.
        foreach (string generated in Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "src", "LlmLab.Cli", "obj"), "*.cs", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(generated, DateTime.UtcNow);
        var second = Run(script);

        Assert.Equal(0, second.ExitCode);
        Assert.Equal("", second.Stderr);
        Assert.StartsWith("usage: llmlab COMMAND", second.Stdout);
        Assert.Equal(built, File.GetLastWriteTimeUtc(stamp));
        Assert.True(second.Elapsed < NoBuildBound, $"--help took {second.Elapsed.TotalSeconds:F2} s");
    }

    [Theory]
    [InlineData("quickstart.html")]
    [InlineData("quantization.html")]
    [InlineData("choosing-a-gpu.html")]
    [InlineData("device-maps.html")]
    [InlineData("notebooks/01-quickstart.executed.ipynb")]
    [InlineData("notebooks/02-quantization.executed.ipynb")]
    [InlineData("notebooks/03-choosing-a-gpu.executed.ipynb")]
    [InlineData("notebooks/04-device-maps.executed.ipynb")]
    public void What_the_readmes_run_commands_write_is_ignored_by_git(string path)
    {
        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Fixtures.RepoRoot };
        foreach (string a in new[] { "check-ignore", "--no-index", "-q", path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();

        Assert.True(p.ExitCode == 0, $"git check-ignore {path}: exit {p.ExitCode} {p.StandardError.ReadToEnd()}"); // 0: ignored, 1: not ignored
    }

    private static (int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed) Run(string script)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Fixtures.RepoRoot };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--help");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(true); throw new TimeoutException(script); }
        return (p.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
