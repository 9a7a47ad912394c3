namespace LlmLab.Models;

/// <summary>
/// The model that ships with the repository (<c>data/models/brown-llama-7m</c>, a 6.5M-parameter Llama trained on the
/// Brown corpus) and its held-out text, found from the current directory or from the program's own folder upward,
/// so a command or a notebook runs on any machine without a download.
/// </summary>
public static class EmbeddedModel
{
    /// <summary>The model folder, relative to the repository root.</summary>
    public const string RelativeDirectory = "data/models/brown-llama-7m";

    /// <summary>Text the model was not trained on (one passage a line), relative to the repository root.</summary>
    public const string HeldOutTextRelativePath = "data/text/brown-heldout.txt";

    /// <summary>The model folder, or null when no folder above the current directory or the program holds it.</summary>
    public static string? FindDirectory() => FindAbove(RelativeDirectory, dir => File.Exists(Path.Combine(dir, "config.json")));

    /// <summary>The held-out text file, or null when it is not found.</summary>
    public static string? FindHeldOutText() => FindAbove(HeldOutTextRelativePath, File.Exists);

    /// <summary><paramref name="path"/> made absolute, or the embedded model's folder when it is null.</summary>
    /// <exception cref="InvalidOptionException">No path was given and the embedded model is not found.</exception>
    public static string Resolve(string? path) =>
        path is not null ? Path.GetFullPath(path)
        : FindDirectory() ?? throw new InvalidOptionException(
            $"no model given and the embedded model ({RelativeDirectory}) was not found above {Directory.GetCurrentDirectory()}; give a model folder");

    private static string? FindAbove(string relative, Func<string, bool> exists)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (exists(candidate)) return candidate;
            }
        }

        return null;
    }
}
