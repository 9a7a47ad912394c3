using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// LlmLab's kernelspec: the <c>kernel.json</c> that tells Jupyter (JupyterLab, VS Code, nbclient) how to start the
/// kernel. Spec: jupyter-client "Kernel specs".
/// </summary>
public static class KernelSpec
{
    /// <summary>The kernel's name: its folder under <c>kernels/</c> and <c>--kernel_name</c>.</summary>
    public const string Name = "llmlab";

    /// <summary>What frontends show in their kernel pickers.</summary>
    public const string DisplayName = "LlmLab (C#)";

    /// <summary>The language frontends use for highlighting (with language_info's modes).</summary>
    public const string Language = "C#";

    /// <summary>
    /// Interrupts arrive as interrupt_request messages on the control socket (portable, and a running cell's
    /// thread is asked to stop at its next loop checkpoint); the kernel also treats SIGINT as an interrupt.
    /// </summary>
    public const string InterruptMode = "message";

    /// <summary>The kernel.json for a given start command.</summary>
    public static JsonObject Json(KernelLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        return new JsonObject
        {
            ["argv"] = new JsonArray(launch.KernelArguments("{connection_file}").Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["display_name"] = DisplayName,
            ["language"] = Language,
            ["interrupt_mode"] = InterruptMode,
            ["metadata"] = new JsonObject { ["debugger"] = false },
        };
    }

    /// <summary>
    /// The kernels folder of the current user (<c>$JUPYTER_DATA_DIR/kernels</c>, else the platform's Jupyter data
    /// folder: <c>~/.local/share/jupyter</c>, <c>~/Library/Jupyter</c>, <c>%APPDATA%\jupyter</c>), as jupyter_core finds it.
    /// </summary>
    public static string UserKernelsDirectory()
    {
        if (Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } data) return Path.Combine(data, "kernels");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows()) return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter", "kernels");
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Jupyter", "kernels");
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } x ? x : Path.Combine(home, ".local", "share");
        return Path.Combine(xdg, "jupyter", "kernels");
    }

    /// <summary>The kernels folder of an installation prefix: <c>PREFIX/share/jupyter/kernels</c> (Jupyter's layout).</summary>
    public static string PrefixKernelsDirectory(string prefix) => Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels");

    /// <summary>Writes <c>KERNELS/llmlab/kernel.json</c> and returns the folder written.</summary>
    public static string Install(string kernelsDirectory, KernelLaunch launch)
    {
        var folder = Path.Combine(kernelsDirectory, Name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "kernel.json"), Json(launch).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return folder;
    }
}
