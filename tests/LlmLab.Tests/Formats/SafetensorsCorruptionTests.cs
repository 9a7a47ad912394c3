using System.Text;
using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Property test: every corruption of a valid file either opens (and every tensor view stays inside the
/// file) or is rejected with <see cref="InvalidCheckpointException"/>; never NullReference, IndexOutOfRange,
/// Overflow, OutOfMemory or any other exception. Fixed seed, so a failure names a reproducible variant.
/// </summary>
public sealed class SafetensorsCorruptionTests
{
    private const int Seed = 20_250_611;
    private const int Variants = 400;

    /// <summary>Bytes a corrupt header most likely trips over: JSON structure, digits, escapes, bad UTF-8.</summary>
    private static readonly byte[] InterestingBytes = Encoding.ASCII.GetBytes("{}[]\",:-.0123456789eE \\u").Concat(new byte[] { 0x00, 0xFF, 0xC3, 0x80 }).ToArray();

    /// <summary>Numbers that break naive size arithmetic when they replace a dim or an offset.</summary>
    private static readonly string[] InterestingNumbers =
        ["0", "-1", "1.5", "1e999", "4611686018427387904", "9223372036854775807", "18446744073709551615", "99999999999999999999999"];

    /// <summary>JSON escapes that parse but may not read back (a lone surrogate), or do not parse.</summary>
    private static readonly string[] InterestingEscapes = ["\\ud800", "\\udfff", "\\u0000", "\\x41", "\\"];

    [Fact]
    public void Corrupted_copies_of_a_valid_file_either_open_or_throw_InvalidCheckpointException()
    {
        string dir = Fixtures.TempDir(), validPath = Path.Combine(dir, "valid.safetensors");
        SafetensorsWriter.Write(validPath,
        [
            TensorToWrite.FromFloats("model.layers.0.w", [2, 3], [1, 2, 3, 4, 5, 6]),
            TensorToWrite.FromBytes("model.norm.weight", DType.BF16, [4], new byte[8]),
            TensorToWrite.FromBytes("empty", DType.F16, [0, 7], []),
            TensorToWrite.FromInt64("ids", [2], [7, 9]),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        var valid = File.ReadAllBytes(validPath);
        int dataStart = 8 + (int)BitConverter.ToUInt64(valid);

        var rng = new Random(Seed);
        var failures = new List<string>();
        int opened = 0, rejected = 0;
        for (int v = 0; v < Variants; v++)
        {
            var (bytes, what) = Corrupt(valid, dataStart, rng);
            string path = Path.Combine(dir, $"variant{v}.safetensors");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var name in file.Names)
                {
                    var span = file.Tensor(name).Bytes; // touches the first and last byte of every view
                    if (!span.IsEmpty) _ = span[0] ^ span[^1];
                }
                opened++;
            }
            catch (InvalidCheckpointException e)
            {
                if (!e.Message.Contains(path, StringComparison.Ordinal)) failures.Add($"variant {v} ({what}): message lacks the path: {e.Message}");
                rejected++;
            }
            catch (Exception e)
            {
                failures.Add($"variant {v} ({what}): {e.GetType().Name}: {e.Message}");
            }
            File.Delete(path);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(opened > 0 && rejected > Variants / 2, $"{opened} opened, {rejected} rejected: the corruptions are not exercising both outcomes");
    }

    private static (byte[] Bytes, string What) Corrupt(byte[] valid, int dataStart, Random rng)
    {
        var b = (byte[])valid.Clone();
        int inHeader = rng.Next(8, dataStart);
        switch (rng.Next(9))
        {
            case 0:
                for (int i = rng.Next(1, 4); i > 0; i--) b[rng.Next(dataStart)] ^= (byte)(1 << rng.Next(8));
                return (b, "bit flips in prefix or header");
            case 1:
                byte c = InterestingBytes[rng.Next(InterestingBytes.Length)];
                b[inHeader] = c;
                return (b, $"header byte {inHeader} set to 0x{c:X2}");
            case 2:
                int length = rng.Next(valid.Length);
                return (valid[..length], $"truncated to {length} bytes");
            case 3:
                int bit = rng.Next(64);
                b[bit / 8] ^= (byte)(1 << (bit % 8));
                return (b, $"length prefix bit {bit} flipped");
            case 4:
                return ReplaceNumber(valid, dataStart, rng);
            case 5:
                int extra = rng.Next(1, 17);
                var appended = new byte[valid.Length + extra];
                valid.CopyTo(appended, 0);
                rng.NextBytes(appended.AsSpan(valid.Length));
                return (appended, $"{extra} random bytes appended");
            case 6:
                int at = rng.Next(dataStart, valid.Length);
                b[at] = (byte)rng.Next(256);
                return (b, $"data byte {at} replaced");
            case 7:
                string escape = InterestingEscapes[rng.Next(InterestingEscapes.Length)];
                string header = Encoding.UTF8.GetString(valid, 8, dataStart - 8);
                int quote = header.IndexOf('"', rng.Next(header.Length - 1)) is var q and >= 0 ? q + 1 : 1;
                var escaped = Encoding.UTF8.GetBytes(header.Insert(quote, escape));
                return (RawSafetensors.Bytes(escaped, valid[dataStart..]), $"escape {escape} inserted at {quote}");
            default:
                var removed = valid[..inHeader].Concat(valid[(inHeader + 1)..]).ToArray();
                return (removed, $"header byte {inHeader} deleted");
        }
    }

    /// <summary>Replaces one run of digits in the header (a dim or an offset) with an awkward number, keeping the length prefix honest.</summary>
    private static (byte[], string) ReplaceNumber(byte[] valid, int dataStart, Random rng)
    {
        string header = Encoding.UTF8.GetString(valid, 8, dataStart - 8);
        var runs = System.Text.RegularExpressions.Regex.Matches(header, "[0-9]+");
        var run = runs[rng.Next(runs.Count)];
        string number = InterestingNumbers[rng.Next(InterestingNumbers.Length)];
        string changed = header[..run.Index] + number + header[(run.Index + run.Length)..];
        var bytes = RawSafetensors.Bytes(Encoding.UTF8.GetBytes(changed), valid[dataStart..]);
        return (bytes, $"number '{run.Value}' at {run.Index} replaced by {number}");
    }
}
