using System.Buffers.Binary;
using System.Text;

namespace LlmLab.Formats;

/// <summary>
/// Recognises what was saved in place of a GGUF file when the magic is wrong: a Git LFS pointer, an HTML or JSON
/// page, a safetensors file, or a pre-GGUF ggml file, so the message says what to do rather than only "bad magic".
/// </summary>
internal static class GgufImpostor
{
    /// <summary>Bytes of the prefix looked at (enough for "version https://git-lfs").</summary>
    private const int Prefix = 16;

    /// <summary>A sentence naming what <paramref name="start"/> (the file's first bytes) is, or null when it is none of them.</summary>
    public static string? Describe(ReadOnlySpan<byte> start)
    {
        // Pre-GGUF ggml files begin with a little-endian u32 magic: 'ggml', 'ggmf' or 'ggjt' read as bytes backwards.
        if (start.Length >= 4 && (start[..4].SequenceEqual("lmgg"u8) || start[..4].SequenceEqual("fmgg"u8) || start[..4].SequenceEqual("tjgg"u8)))
            return "this is a legacy ggml/GGJT model file (the format before GGUF, 2023); convert it to GGUF with a current llama.cpp";
        if (start.Length >= 9 && start[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(start) < (ulong)SafetensorsHeader.MaxHeaderBytes)
            return "this is a safetensors file, not GGUF; open it as a safetensors checkpoint";
        var prefix = start[..Math.Min(start.Length, Prefix)];
        if (prefix.IsEmpty) return null;
        foreach (byte b in prefix)
            if (b is not ((>= 0x20 and < 0x7F) or (byte)'\t' or (byte)'\n' or (byte)'\r')) return null;
        string text = Encoding.ASCII.GetString(prefix).TrimStart().ToLowerInvariant();
        if (text.StartsWith("version ", StringComparison.Ordinal))
            return "this is a Git LFS pointer file, not the model; download the real file (git lfs pull, or huggingface-cli download)";
        if (text.StartsWith('<'))
            return "this is an HTML page (probably a login or error page), not the model; download the real file with huggingface-cli or the 'resolve' URL";
        if (text.StartsWith('{') || text.StartsWith('['))
            return "this is a JSON document (perhaps an error response from the server), not a GGUF model; download the real file";
        return $"this is a text file (it starts with '{Encoding.ASCII.GetString(prefix).ReplaceLineEndings(" ")}'), not a GGUF model; download the real file";
    }
}
