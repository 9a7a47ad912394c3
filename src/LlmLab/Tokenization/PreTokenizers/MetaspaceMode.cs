using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// Settings shared by the Metaspace pre-tokenizer and decoder: the character standing for a space
/// and when a piece gets one prepended (tokenizers' <c>prepend_scheme</c>).
/// </summary>
/// <param name="Replacement">The space stand-in, usually <c>▁</c> (U+2581).</param>
/// <param name="Prepend">Which pieces get a leading <see cref="Replacement"/>.</param>
/// <param name="Split">The pre-tokenizer splits before each <see cref="Replacement"/>.</param>
internal sealed record MetaspaceMode(string Replacement, MetaspacePrepend Prepend, bool Split)
{
    public static MetaspaceMode FromJson(JsonField field)
    {
        var replacementField = field.Get("replacement");
        string replacement = replacementField.GetString();
        if (replacement.EnumerateRunes().Count() != 1)
        {
            throw replacementField.Fail($"is {JsonField.Quote(replacement)}, expected exactly one character", "use \"▁\" (U+2581) as SentencePiece does");
        }
        var prepend = MetaspacePrepend.Always;
        if (field.Find("prepend_scheme") is { } scheme)
        {
            string name = scheme.GetString();
            prepend = name switch
            {
                "always" => MetaspacePrepend.Always,
                "first" => MetaspacePrepend.First,
                "never" => MetaspacePrepend.Never,
                _ => throw scheme.Fail($"{JsonField.Quote(name)} is not a prepend scheme", "use \"always\", \"first\" or \"never\""),
            };
        }
        // Files written before prepend_scheme existed say add_prefix_space instead.
        if (field.Find("add_prefix_space") is { } legacy && !legacy.GetBool()) prepend = MetaspacePrepend.Never;
        return new MetaspaceMode(replacement, prepend, field.Bool("split", true));
    }
}
