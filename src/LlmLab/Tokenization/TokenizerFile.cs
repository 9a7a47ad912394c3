using System.IO.Compression;
using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// Reads the bytes of a tokenizer.json, plain or gzip-compressed, with a hard size limit, and
/// recognises the usual wrong files (a Git LFS pointer, an empty file) before JSON parsing.
/// </summary>
internal static class TokenizerFile
{
    /// <summary>
    /// Largest tokenizer.json accepted, in bytes, after decompression. The biggest real ones
    /// (250k-token vocabularies with their merges) are about 35 MB; the limit stops a gzip bomb
    /// or a wrong multi-gigabyte file from being read into memory.
    /// </summary>
    public const long MaxJsonBytes = 512L * 1024 * 1024;

    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private const string LfsPointerStart = "version https://git-lfs";

    public static byte[] ReadJsonBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidTokenizerException(
                $"{path}: file not found; pass the path of a tokenizer.json (or tokenizer.json.gz), usually found next to the model's config.json");
        }

        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            var head = new byte[2];
            int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            file.Position = 0;
            bool gzip = got == 2 && head.AsSpan().SequenceEqual(GzipMagic);
            bytes = gzip
                ? ReadLimited(new GZipStream(file, CompressionMode.Decompress), path)
                : ReadLimited(file, path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidTokenizerException(
                JsonField.OneLine($"{path}: the gzip data is corrupt ({e.Message}); download the file again"), e);
        }
        catch (IOException e)
        {
            throw new InvalidTokenizerException(JsonField.OneLine($"{path}: cannot be read ({e.Message}); check the path and its permissions"), e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidTokenizerException(JsonField.OneLine($"{path}: cannot be read ({e.Message}); check the file's permissions"), e);
        }

        CheckNotObviouslyWrong(bytes, path);
        return bytes;
    }

    /// <summary>Rejects an empty file or a Git LFS pointer with a message that says what to do.</summary>
    public static void CheckNotObviouslyWrong(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.StartsWith(Utf8Bom)) bytes = bytes[Utf8Bom.Length..];
        if (bytes.Trim((byte)' ').IsEmpty)
        {
            throw new InvalidTokenizerException($"{source}: the file is empty; download the tokenizer.json again");
        }
        if (bytes.StartsWith(Encoding.ASCII.GetBytes(LfsPointerStart)))
        {
            throw new InvalidTokenizerException(
                $"{source}: looks like a Git LFS pointer, not the tokenizer itself; download the real file (git lfs pull, or the hub's download link)");
        }
    }

    private static byte[] ReadLimited(Stream stream, string path)
    {
        using (stream)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxJsonBytes)
                {
                    throw new InvalidTokenizerException(
                        $"{path}: is larger than {MaxJsonBytes / (1024 * 1024)} MiB of JSON, far beyond any real tokenizer.json; check that the path names the tokenizer and not a checkpoint");
                }
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
    }
}
