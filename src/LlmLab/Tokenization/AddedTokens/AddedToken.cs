using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// One entry of tokenizer.json's <c>added_tokens</c>: a token matched in the text before
/// pre-tokenization (special tokens such as <c>&lt;|begin_of_text|&gt;</c> and user-added words).
/// </summary>
/// <param name="Id">Its id.</param>
/// <param name="Content">The exact text it matches.</param>
/// <param name="SingleWord">Match only when not glued to word characters on either side.</param>
/// <param name="LeftStrip">Also swallow the whitespace on its left.</param>
/// <param name="RightStrip">Also swallow the whitespace on its right.</param>
/// <param name="Normalized">Match in the normalized text (after the normalizer) instead of the raw text.</param>
/// <param name="Special">A special token: skipped by <c>Decode(..., skipSpecialTokens: true)</c>.</param>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized, bool Special)
{
    public static AddedToken FromJson(JsonField field)
    {
        int id = field.Int32("id", 0, BpeModel.MaxTokenId);
        string content = field.String("content");
        bool special = field.Bool("special", false);
        return new AddedToken(
            id,
            content,
            SingleWord: field.Bool("single_word", false),
            LeftStrip: field.Bool("lstrip", false),
            RightStrip: field.Bool("rstrip", false),
            // tokenizers' default: special tokens are matched in the raw text.
            Normalized: field.Bool("normalized", !special),
            Special: special);
    }
}
