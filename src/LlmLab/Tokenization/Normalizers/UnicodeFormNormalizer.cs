using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>NFC</c>/<c>NFD</c>/<c>NFKC</c>/<c>NFKD</c> normalizers, computed with LlmLab's
/// own Unicode tables (<see cref="UnicodeNormalization"/>) so that the result does not depend on
/// the machine's ICU or on globalization-invariant mode.
/// </summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm form) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, form);
}
