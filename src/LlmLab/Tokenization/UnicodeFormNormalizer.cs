using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>NFC</c>/<c>NFD</c>/<c>NFKC</c>/<c>NFKD</c> normalizers. Uses .NET's
/// <see cref="string.Normalize(NormalizationForm)"/> when it works, and LlmLab's own tables
/// (<see cref="UnicodeNormalization"/>) when the process runs in globalization-invariant mode,
/// where .NET leaves text unnormalized.
/// </summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm form) : Normalizer
{
    /// <summary>Whether the runtime normalizes (it does not under <c>InvariantGlobalization</c>).</summary>
    private static readonly bool RuntimeNormalizes = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00E9";

    public override string Normalize(string text)
    {
        if (System.Text.Ascii.IsValid(text)) return text; // ASCII is invariant under every form
        return RuntimeNormalizes ? text.Normalize(form) : UnicodeNormalization.Normalize(text, form);
    }
}
