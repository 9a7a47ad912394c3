using System.Diagnostics;

namespace LlmLab.Tests.Cli;

/// <summary>Runs the real <c>llmlab</c> program (LlmLab.Cli.dll beside the tests) as a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// The CLI build of the same configuration as the tests (bin/Debug or bin/Release): a referenced
    /// executable's own dll is not copied beside the test assembly.
    /// </summary>
    private static string CliDll
    {
        get
        {
            string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            string path = Path.Combine(Fixtures.RepoRoot, "src", "LlmLab.Cli", "bin", configuration, "net10.0", "LlmLab.Cli.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("build src/LlmLab.Cli first", path);
        }
    }

    public static Result Run(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Fixtures.RepoRoot,
        };
        // Hashes `llmlab verify` and loads cache go to a test folder, not the user's ~/.cache/llmlab.
        psi.Environment["LLMLAB_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "llmlab-tests", "cache");
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException("llmlab " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
