namespace LlmLab.Notebooks.Tests;

/// <summary>
/// Compares rendered text with an approved file checked in under tests/LlmLab.Notebooks.Tests/Approved. On a
/// mismatch the new rendering is written beside it as NAME.received.EXT for review; run the tests with
/// LLMLAB_APPROVE=1 to accept every new rendering.
/// </summary>
internal static class Snapshot
{
    private static string ApprovedDirectory => Path.Combine(TestPaths.RepoRoot, "tests", "LlmLab.Notebooks.Tests", "Approved");

    public static void Match(string actual, string name)
    {
        actual = actual.ReplaceLineEndings("\n");
        var approved = Path.Combine(ApprovedDirectory, name);
        var received = Path.Combine(ApprovedDirectory, Path.GetFileNameWithoutExtension(name) + ".received" + Path.GetExtension(name));
        if (Environment.GetEnvironmentVariable("LLMLAB_APPROVE") == "1")
        {
            File.WriteAllText(approved, actual);
            File.Delete(received);
            return;
        }

        if (File.Exists(approved) && File.ReadAllText(approved).ReplaceLineEndings("\n") == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(File.Exists(approved)
            ? $"Rendering differs from {approved}; the new one is in {received}. Review it, then rename it or rerun with LLMLAB_APPROVE=1."
            : $"No approved rendering {approved} yet; review {received}, then rename it or rerun with LLMLAB_APPROVE=1.");
    }
}
