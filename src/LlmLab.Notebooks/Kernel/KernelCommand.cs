using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Magics;
using NetMQ;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// The <c>llmlab kernel</c> command: <c>kernel install [--user | --prefix DIR]</c> writes the kernelspec;
/// <c>kernel --connection-file FILE</c> serves a kernel (what Jupyter runs). The CLI passes the words after <c>kernel</c>.
/// </summary>
public static class KernelCommand
{
    /// <summary>How the command is shown in help and messages.</summary>
    public const string Invocation = "llmlab kernel";

    /// <summary>Exit code of a kernel that shut down on request, or of a successful install.</summary>
    public const int ExitSucceeded = 0;

    /// <summary>Exit code for an unreadable connection file or a port that cannot be bound (bad data, as every <c>llmlab</c> command).</summary>
    public const int ExitInvalidInput = 1;

    /// <summary>Exit code for a wrong command line (as every <c>llmlab</c> command).</summary>
    public const int ExitInvalidCommandLine = 2;

    /// <summary>Options of <c>llmlab kernel</c> (serving).</summary>
    public static CommandSyntax ServeSyntax { get; } = new("kernel", "Serves LlmLab's Jupyter kernel (C# cells, LlmLab magics and formatters) on a connection file; Jupyter starts it from the kernelspec.")
    {
        Options =
        [
            new MagicOption("connection-file", "Connection file Jupyter wrote (ports and signing key)") { IsRequired = true, ValueName = "FILE" },
            new MagicOption("parameter", "Variable defined before the first cell, typed by its value (int, double, bool, string)") { ShortName = 'p', ValueName = "name=value", IsRepeatable = true },
            new MagicOption("timeout", "Time limit of each cell, e.g. 90s, 10m (a cell past it ends with a Timeout error)") { ValueName = "DURATION", DefaultValue = "none" },
            new MagicOption("notebook-dir", "Folder relative #r and #load paths resolve against") { ValueName = "DIR", DefaultValue = "the current folder" },
        ],
    };

    /// <summary>Options of <c>llmlab kernel install</c>.</summary>
    public static CommandSyntax InstallSyntax { get; } = new("kernel install", $"Writes the '{KernelSpec.Name}' kernelspec (\"{KernelSpec.DisplayName}\") so JupyterLab, VS Code and jupyter-execute can start LlmLab's kernel.")
    {
        Options =
        [
            new MagicOption("user", "Install for the current user (the default): $JUPYTER_DATA_DIR/kernels or ~/.local/share/jupyter/kernels") { IsFlag = true },
            new MagicOption("prefix", "Install under PREFIX/share/jupyter/kernels (add PREFIX/share/jupyter to JUPYTER_PATH)") { ValueName = "DIR" },
        ],
    };

    /// <summary>Parses the arguments and installs or serves; returns the exit code.</summary>
    /// <param name="args">The words after <c>kernel</c>.</param>
    /// <param name="stdout">Receives help and what was installed.</param>
    /// <param name="stderr">Receives usage errors and protocol problems.</param>
    /// <param name="launch">How this program is started (the kernelspec's argv); null for the running process.</param>
    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, KernelLaunch? launch = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            if (args.Length > 0 && args[0] == "install") return await InstallAsync(args[1..], stdout, launch ?? KernelLaunch.CurrentProcess());
            return await ServeAsync(args, stdout, stderr);
        }
        catch (InvalidOptionException e)
        {
            // The parser's messages start with the invocation ("llmlab kernel install: …").
            await stderr.WriteLineAsync(e.Message);
            return ExitInvalidCommandLine;
        }
        catch (LlmLabException e)
        {
            await stderr.WriteLineAsync($"{Invocation}: {e.Message}");
            return ExitInvalidInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NetMQException)
        {
            await stderr.WriteLineAsync($"{Invocation}: {e.Message}");
            return ExitInvalidInput;
        }
    }

    private static async Task<int> InstallAsync(string[] args, TextWriter stdout, KernelLaunch launch)
    {
        var values = MagicOptionParser.Parse(InstallSyntax, args, Invocation + " install");
        if (values.HelpRequested)
        {
            await stdout.WriteLineAsync(InstallSyntax.Usage(Invocation + " install"));
            return ExitSucceeded;
        }

        var prefix = values.GetString("prefix");
        if (prefix is not null && values.GetFlag("user"))
        {
            throw new InvalidOptionException($"{Invocation} install: give --user or --prefix DIR, not both.");
        }

        var folder = KernelSpec.Install(prefix is null ? KernelSpec.UserKernelsDirectory() : KernelSpec.PrefixKernelsDirectory(prefix), launch);
        await stdout.WriteLineAsync($"Installed kernelspec '{KernelSpec.Name}' ({KernelSpec.DisplayName}) in {folder}");
        return ExitSucceeded;
    }

    private static async Task<int> ServeAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var values = MagicOptionParser.Parse(ServeSyntax, args, Invocation);
        if (values.HelpRequested)
        {
            await stdout.WriteLineAsync(ServeSyntax.Usage(Invocation));
            await stdout.WriteLineAsync($"\n{Invocation} install [--user | --prefix DIR] writes the kernelspec ({Invocation} install --help).");
            return ExitSucceeded;
        }

        var connection = ConnectionInfo.Load(values.GetString("connection-file")!);
        var options = new KernelOptions
        {
            Parameters = values.GetAll("parameter").Select(NotebookParameter.Parse).ToArray(),
            CellTimeout = values.GetString("timeout") is { } timeout ? DurationText.Parse(timeout, "--timeout") : Timeout.InfiniteTimeSpan,
            BaseDirectory = Path.GetFullPath(values.GetString("notebook-dir") ?? Environment.CurrentDirectory),
        };
        using (var kernel = new JupyterKernel(connection, options, stderr))
        {
            await kernel.RunAsync();
        }

        NetMQConfig.Cleanup(block: false);
        return ExitSucceeded;
    }
}
