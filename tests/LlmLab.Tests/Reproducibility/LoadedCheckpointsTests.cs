using LlmLab.Reproducibility;

namespace LlmLab.Tests.Reproducibility;

public sealed class LoadedCheckpointsTests
{
    [Fact]
    public void Since_gives_each_path_loaded_after_the_count_once_in_order_of_its_last_load()
    {
        var dir = Fixtures.TempDir();
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b"), before = Path.Combine(dir, "before");
        LoadedCheckpoints.Record(before);
        var start = LoadedCheckpoints.Count;

        LoadedCheckpoints.Record(a);
        LoadedCheckpoints.Record(b);
        LoadedCheckpoints.Record(a);

        // Other tests may load models in parallel; only this test's paths are checked.
        var mine = LoadedCheckpoints.Since(start).Where(p => p.StartsWith(dir, StringComparison.Ordinal)).ToArray();
        Assert.Equal([b, a], mine);
    }
}
