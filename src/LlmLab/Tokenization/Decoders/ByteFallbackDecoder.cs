using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>ByteFallback</c> decoder: each run of consecutive <c>&lt;0xNN&gt;</c> tokens
/// becomes the UTF-8 text of its bytes, or, if the run is not valid UTF-8 as a whole, one U+FFFD
/// per byte.
/// </summary>
internal sealed class ByteFallbackDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        var result = new List<string>(tokens.Count);
        var run = new List<byte>();
        foreach (string token in tokens)
        {
            if (TryParseByteToken(token, out byte b))
            {
                run.Add(b);
                continue;
            }
            Flush(run, result);
            result.Add(token);
        }
        Flush(run, result);
        tokens.Clear();
        tokens.AddRange(result);
    }

    /// <summary>Whether <paramref name="token"/> has the form <c>&lt;0xNN&gt;</c> (hex digits of either case).</summary>
    public static bool TryParseByteToken(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static void Flush(List<byte> run, List<string> result)
    {
        if (run.Count == 0) return;
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run);
        if (Utf8.IsValid(bytes))
        {
            result.Add(Encoding.UTF8.GetString(bytes));
        }
        else
        {
            for (int i = 0; i < run.Count; i++) result.Add("\uFFFD");
        }
        run.Clear();
    }
}
