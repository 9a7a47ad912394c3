using System.Buffers.Binary;
using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Builds safetensors files byte by byte (8-byte little-endian header length, header, data), so tests can
/// write the broken files no correct writer produces. Valid files come from <see cref="LlmLab.Formats.SafetensorsWriter"/>.
/// </summary>
internal static class RawSafetensors
{
    /// <summary>The length prefix (<paramref name="declaredLength"/>, or the header's real length), the header, the data.</summary>
    public static byte[] Bytes(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>A file whose header is <paramref name="header"/> (UTF-8) followed by <paramref name="dataBytes"/> filler bytes.</summary>
    public static byte[] Bytes(string header, int dataBytes = 0, ulong? declaredLength = null) =>
        Bytes(Encoding.UTF8.GetBytes(header), Filler(dataBytes), declaredLength);

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="fileName"/> in a fresh temp folder; returns the full path.</summary>
    public static string Write(byte[] bytes, string fileName = "model.safetensors")
    {
        string path = Path.Combine(Fixtures.TempDir(), fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a file with header <paramref name="header"/> and <paramref name="dataBytes"/> filler bytes of data.</summary>
    public static string Write(string header, int dataBytes = 0) => Write(Bytes(header, dataBytes));

    /// <summary>
    /// Writes a file with header <paramref name="header"/> and <paramref name="dataBytes"/> bytes of data, and asserts that
    /// opening it throws <see cref="InvalidCheckpointException"/> naming the file and each of <paramref name="parts"/>.
    /// </summary>
    public static void AssertRejected(string header, int dataBytes, params string[] parts)
    {
        string path = Write(header, dataBytes);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path), [path, .. parts]);
    }

    /// <summary>Bytes 1, 2, 3, ... (mod 251), so a view at the wrong offset shows.</summary>
    public static byte[] Filler(int n)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)(i % 251 + 1);
        return b;
    }
}
