using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>ByteLevel</c> decoder: maps each token's characters back to bytes and decodes
/// all the bytes at once as UTF-8, invalid sequences becoming U+FFFD. A token holding a character
/// outside the byte-level alphabet (an added token such as a Chinese word) contributes its own
/// UTF-8 bytes instead.
/// </summary>
internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens) AppendBytes(token, bytes);
        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
        state.Fused = true;
    }

    private static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            if (ByteLevelAlphabet.CharToByte(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (char c in token) bytes.Add((byte)ByteLevelAlphabet.CharToByte(c));
    }
}
