using System.Buffers.Binary;
using System.Diagnostics;
using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Property test: every mutation of a small valid GGUF (byte flips, truncations, length and count fields overwritten
/// with huge or small values, inserted and deleted bytes) either opens — and then every tensor view and metadata
/// value reads — or is rejected with <see cref="InvalidCheckpointException"/>. No other exception, no case slower
/// than a bound, and no case allocating more than a bound (so no allocation follows an unchecked length).
/// Fixed seed: a failure names a reproducible case.
/// </summary>
public sealed class GgufFuzzTests
{
    private const int Seed = 20_261_207;
    private const int Cases = 10_000;

    /// <summary>Every this-many-th case is also written to disk and opened with <see cref="GgufFile.Open"/>.</summary>
    private const int FileEvery = 10;

    /// <summary>Per-case allocation bound: the file is ~2 KB, so anything near this came from a length the file cannot back.</summary>
    private const long MaxAllocatedBytesPerCase = 4L << 20;

    /// <summary>Per-case time bound: a case takes well under a millisecond; a loop driven by a corrupt count would not.</summary>
    private static readonly TimeSpan MaxTimePerCase = TimeSpan.FromSeconds(2);

    /// <summary>Values that break naive size arithmetic when they replace a length, count, dimension or offset.</summary>
    private static readonly ulong[] InterestingU64 =
        [0, 1, 2, 3, 31, 32, 33, 63, 64, 255, 256, 4095, 65535, 65536, 1UL << 26, (1UL << 26) + 1, uint.MaxValue, 1UL << 32,
         1UL << 40, (1UL << 62) + 1, long.MaxValue, 1UL << 63, ulong.MaxValue - 7, ulong.MaxValue];

    /// <summary>Whole-test bound: a loop driven by a corrupt count fails the test here instead of hanging the run.</summary>
    private const int TestTimeoutMs = 120_000;

    [Fact(Timeout = TestTimeoutMs)]
    public Task Ten_thousand_mutations_of_a_valid_file_either_open_and_read_or_throw_InvalidCheckpointException() =>
        // On a worker thread so the timeout can abandon it; the allocation counter is per thread, and this one runs the loop.
        Task.Run(RunMutations, TestContext.Current.CancellationToken);

    private static void RunMutations()
    {
        string dir = Fixtures.TempDir();
        var valid = ValidFile(dir);
        int headerEnd;
        using (var f = GgufFile.Open(Path.Combine(dir, "valid.gguf"))) headerEnd = (int)f.DataOffset;

        var fields = LengthFields(valid, headerEnd);
        var rng = new Random(Seed);
        var failures = new List<string>();
        int opened = 0, rejected = 0;
        string path = Path.Combine(dir, "case.gguf");
        for (int i = 0; i < Cases && failures.Count < 10; i++)
        {
            var (bytes, what) = Mutate(valid, headerEnd, fields, rng);
            // Every case goes through the parser in memory; every FileEvery-th also through a file and its mapping,
            // which must agree (file I/O and mapping cost ~1 ms a case on a loaded machine, the parser microseconds).
            var clock = Stopwatch.StartNew();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            string? memoryOutcome = Outcome(() => ReadEverything(GgufHeader.Parse(bytes, bytes.Length, path), bytes), path, i, what, failures);
            long grew = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (grew > MaxAllocatedBytesPerCase)
                failures.Add($"case {i} ({what}): allocated {grew} bytes");
            if (clock.Elapsed > MaxTimePerCase)
                failures.Add($"case {i} ({what}): took {clock.Elapsed.TotalMilliseconds:F0} ms");
            if (memoryOutcome == "opened") opened++; else rejected++;

            if (i % FileEvery != 0) continue;
            File.WriteAllBytes(path, bytes);
            string? fileOutcome = Outcome(() =>
            {
                using var file = GgufFile.Open(path);
                ReadEverything(file);
            }, path, i, what, failures);
            if (fileOutcome != memoryOutcome)
                failures.Add($"case {i} ({what}): in memory {memoryOutcome}, from the file {fileOutcome}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(fields.Count >= 20, $"only {fields.Count} length fields found in the header");
        // Both outcomes occur, so the mutations reach past the magic and are not all fatal.
        Assert.True(opened > Cases / 20, $"only {opened} of {Cases} mutations opened");
        Assert.True(rejected > Cases / 4, $"only {rejected} of {Cases} mutations were rejected");
    }

    /// <summary>Metadata of most types (strings, a string array, a nested array), four tensors of three formats.</summary>
    private static byte[] ValidFile(string dir)
    {
        string path = Path.Combine(dir, "valid.gguf");
        var rng = new Random(Seed);
        byte[] Random(TensorFormat f, long[] shape) { var b = new byte[f.ByteCount(shape)]; rng.NextBytes(b); return b; }
        GgufWriter.Write(path,
        [
            new("general.architecture", new(GgufValueType.String, "llama")),
            new("general.alignment", new(GgufValueType.UInt32, 32u)),
            new("llama.block_count", new(GgufValueType.UInt32, 1u)),
            new("llama.rope.freq_base", new(GgufValueType.Float32, 10000f)),
            new("tokenizer.ggml.add_bos_token", new(GgufValueType.Bool, true)),
            new("tokenizer.ggml.tokens", new(GgufValueType.Array, new[] { "<s>", "</s>", "a", "b" }, GgufValueType.String)),
            new("tokenizer.ggml.scores", new(GgufValueType.Array, new[] { 0f, 0f, -1f, -2f }, GgufValueType.Float32)),
            new("test.nested", new(GgufValueType.Array, new GgufValue[] { new(GgufValueType.Array, new ulong[] { 1, 2 }, GgufValueType.UInt64) }, GgufValueType.Array)),
        ],
            GgufTensorToWrite.FromBytes("token_embd.weight", TensorFormat.F16, [4, 8], Random(TensorFormat.F16, [4, 8])),
            GgufTensorToWrite.FromBytes("blk.0.attn_q.weight", TensorFormat.Q8_0, [2, 32], Random(TensorFormat.Q8_0, [2, 32])),
            GgufTensorToWrite.FromBytes("blk.0.ffn_up.weight", TensorFormat.Q4_K, [1, 256], Random(TensorFormat.Q4_K, [1, 256])),
            GgufTensorToWrite.FromBytes("output_norm.weight", TensorFormat.F32, [8], Random(TensorFormat.F32, [8])));
        return File.ReadAllBytes(path);
    }

    /// <summary>"opened", or the rejection's message; any other exception, or a message not starting with the path on one line, is a failure.</summary>
    private static string? Outcome(Action open, string path, int i, string what, List<string> failures)
    {
        try
        {
            open();
            return "opened";
        }
        catch (InvalidCheckpointException e)
        {
            if (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal) || e.Message.Contains('\n') || e.Message.Contains('\r'))
                failures.Add($"case {i} ({what}): message does not start with the path on one line: {e.Message}");
            return e.Message;
        }
        catch (Exception e)
        {
            failures.Add($"case {i} ({what}): {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    /// <summary>The in-memory counterpart of a view: each tensor's range must lie in the bytes; every byte and value is read.</summary>
    private static void ReadEverything(GgufHeader header, byte[] bytes)
    {
        long sum = 0;
        foreach (var t in header.Tensors)
        {
            Assert.Equal(t.Format.ByteCount(t.Shape), t.Bytes);
            Assert.True(header.DataOffset + t.Offset + t.Bytes <= bytes.Length, $"tensor '{t.Name}' runs past the file");
            foreach (byte b in bytes.AsSpan((int)(header.DataOffset + t.Offset), (int)t.Bytes)) sum += b;
        }
        foreach (var (_, value) in header.Metadata)
            sum += Describe(value).Length;
        GC.KeepAlive(sum);
    }

    /// <summary>Touches every byte of every view and every metadata value, as a loader would.</summary>
    private static void ReadEverything(GgufFile file)
    {
        long sum = 0;
        foreach (var name in file.Names)
        {
            var d = file.Describe(name);
            var view = file.Tensor(name);
            Assert.Equal(d.Bytes, view.ByteLength);
            Assert.True(file.DataOffset + file.Info(name).Offset + view.ByteLength <= new FileInfo(file.Path).Length, $"tensor '{name}' runs past the file");
            foreach (byte b in view.Bytes) sum += b;
        }
        foreach (var (_, value) in file.MetadataEntries)
            sum += Describe(value).Length;
        GC.KeepAlive(sum);
    }

    private static string Describe(GgufValue v) => v.Value switch
    {
        GgufValue[] nested => string.Concat(nested.Select(Describe)),
        string[] strings => string.Concat(strings),
        Array a => a.Length.ToString(),
        _ => $"{v.AsString()}{v.AsInt64()}{v.AsDouble()}{v.AsBool()}",
    };

    /// <summary>
    /// Offsets in the header of the valid file where a u64 below 2^16 starts: every string length, array count, tensor
    /// count, dimension and offset (all small in a small file), plus a few chance matches. Overwriting these with huge
    /// values is how a crafted file attacks a reader.
    /// </summary>
    private static List<int> LengthFields(byte[] valid, int headerEnd)
    {
        var found = new List<int>();
        for (int p = 4; p + 8 <= headerEnd; p++)
            if (BinaryPrimitives.ReadUInt64LittleEndian(valid.AsSpan(p)) is > 0 and < 1 << 16 && valid[p] != 0)
                found.Add(p);
        return found;
    }

    /// <summary>One mutation; most land in the header (before <paramref name="headerEnd"/>), where the parser works.</summary>
    private static (byte[] Bytes, string What) Mutate(byte[] valid, int headerEnd, List<int> fields, Random rng)
    {
        var b = (byte[])valid.Clone();
        int At() => rng.Next(10) < 9 ? rng.Next(headerEnd) : rng.Next(b.Length);
        switch (rng.Next(7))
        {
            case 0:
            {
                int n = rng.Next(1, 5);
                var where = new List<int>();
                for (int k = 0; k < n; k++) { int p = At(); b[p] ^= (byte)(1 << rng.Next(8)); where.Add(p); }
                return (b, $"bit flips at {string.Join(",", where)}");
            }
            case 1:
            {
                int p = At();
                b[p] = (byte)rng.Next(256);
                return (b, $"byte {p} = {b[p]}");
            }
            case 2:
            {
                int len = rng.Next(10) < 8 ? rng.Next(headerEnd + 1) : rng.Next(b.Length);
                return (b[..len], $"truncated to {len}");
            }
            case 3:
            {
                // Half the time aim at a length, count, dimension or offset field (see LengthFields).
                int p = rng.Next(2) == 0 ? fields[rng.Next(fields.Count)] : Math.Min(At(), b.Length - 8);
                ulong v = InterestingU64[rng.Next(InterestingU64.Length)];
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(p), v);
                return (b, $"u64 {v} at {p}");
            }
            case 4:
            {
                int p = Math.Min(At(), b.Length - 4);
                uint v = (uint)InterestingU64[rng.Next(InterestingU64.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p), v);
                return (b, $"u32 {v} at {p}");
            }
            case 5:
            {
                int p = At(), n = rng.Next(1, 9);
                var inserted = new byte[n];
                rng.NextBytes(inserted);
                return ([.. b[..p], .. inserted, .. b[p..]], $"{n} bytes inserted at {p}");
            }
            default:
            {
                int p = At(), n = Math.Min(rng.Next(1, 9), b.Length - p);
                return ([.. b[..p], .. b[(p + n)..]], $"{n} bytes deleted at {p}");
            }
        }
    }
}
