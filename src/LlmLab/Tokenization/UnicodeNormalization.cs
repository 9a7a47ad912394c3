using System.Text;

namespace LlmLab.Tokenization;

/// <summary>Unicode normalization without ICU (stub, to be replaced by table-driven code).</summary>
internal static class UnicodeNormalization
{
    public static string Normalize(string text, NormalizationForm form) => text;
}
