using System.Text;
using LlmLab.Models;

namespace LlmLab.Tests.Models;

/// <summary>
/// Property test: every corruption of the llama-tiny config.json either reads or is rejected with
/// <see cref="InvalidConfigException"/>, never another exception. Fixed seed, so failures are reproducible.
/// </summary>
public sealed class ConfigCorruptionTests
{
    private const int Seed = 20_250_612;
    private const int Variants = 300;

    private static readonly string[] Replacements =
        ["0", "-1", "1.5", "1e400", "-1e400", "9223372036854775808", "null", "true", "\"x\"", "\"\\ud800\"", "[]", "{}", "[1,[2]]", "2147483648"];

    [Fact]
    public void Corrupted_copies_of_a_valid_config_either_read_or_throw_InvalidConfigException()
    {
        string valid = File.ReadAllText(Path.Combine(Fixtures.Model("llama-tiny"), "config.json"));
        string path = Path.Combine(Fixtures.TempDir(), "config.json");
        var rng = new Random(Seed);
        var failures = new List<string>();
        int read = 0, rejected = 0;
        for (int v = 0; v < Variants; v++)
        {
            var (text, what) = Corrupt(valid, rng);
            File.WriteAllText(path, text);
            try
            {
                var config = ModelConfigReader.Read(path);
                _ = config.ParameterCount + config.KvCacheBytesPerToken(2) + config.Rope.InverseFrequencies(config.HeadDim).Length;
                read++;
            }
            catch (InvalidConfigException) { rejected++; }
            catch (Exception e) { failures.Add($"variant {v} ({what}): {e.GetType().Name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(read > 0 && rejected > 0, $"{read} read, {rejected} rejected: the corruptions are not exercising both outcomes");
    }

    private static (string, string) Corrupt(string valid, Random rng)
    {
        // Values start after ": " in the fixture's pretty-printed JSON.
        var values = System.Text.RegularExpressions.Regex.Matches(valid, @"(?<=: )[^,\n{\[]+");
        switch (rng.Next(4))
        {
            case 0:
                var m = values[rng.Next(values.Count)];
                string r = Replacements[rng.Next(Replacements.Length)];
                return (valid[..m.Index] + r + valid[(m.Index + m.Length)..], $"value {m.Value} replaced by {r}");
            case 1:
                int cut = rng.Next(valid.Length);
                return (valid[..cut], $"truncated at {cut}");
            case 2:
                var b = Encoding.UTF8.GetBytes(valid);
                int at = rng.Next(b.Length);
                b[at] = (byte)"{}[]\",:-.0123456789 \\"[rng.Next(15)];
                return (Encoding.UTF8.GetString(b), $"byte {at} replaced");
            default:
                int drop = rng.Next(valid.Length);
                return (valid.Remove(drop, 1), $"char {drop} deleted");
        }
    }
}
