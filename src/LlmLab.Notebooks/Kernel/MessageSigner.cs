using System.Security.Cryptography;
using System.Text;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// HMAC-SHA256 signatures of Jupyter messages: the lowercase hex digest of header, parent_header, metadata and
/// content (the frames as sent), keyed with the connection file's <c>key</c>. An empty key means "no signing"
/// (the protocol's rule): the signature frame is empty and any signature is accepted.
/// </summary>
internal sealed class MessageSigner
{
    /// <summary>The only <c>signature_scheme</c> LlmLab accepts (jupyter_client's default).</summary>
    public const string Scheme = "hmac-sha256";

    /// <summary>
    /// Signatures remembered to reject a replayed message (the protocol advises it; ipykernel does it). Bounded so a
    /// long session does not grow without limit: far more than the messages in flight at any time.
    /// </summary>
    private const int ReplayWindow = 4096;

    private readonly byte[] _key;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly Lock _lock = new();

    public MessageSigner(string key) => _key = Encoding.UTF8.GetBytes(key);

    public bool IsSigning => _key.Length > 0;

    public string Sign(params ReadOnlySpan<byte[]> parts)
    {
        if (!IsSigning) return "";
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        foreach (var part in parts) hmac.AppendData(part);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    /// <summary>Whether <paramref name="signature"/> (ASCII hex) signs the parts, and was not seen before.</summary>
    public bool Verify(byte[] signature, params ReadOnlySpan<byte[]> parts)
    {
        if (!IsSigning) return true;
        var expected = Encoding.ASCII.GetBytes(Sign(parts));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature)) return false;
        var text = Encoding.ASCII.GetString(signature);
        lock (_lock)
        {
            if (!_seen.Add(text)) return false;
            _seenOrder.Enqueue(text);
            if (_seenOrder.Count > ReplayWindow) _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }
}
