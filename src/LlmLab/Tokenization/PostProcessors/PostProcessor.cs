using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// tokenizer.json's <c>post_processor</c> for a single sequence: the special tokens
/// <c>Encode(text, addSpecialTokens: true)</c> puts around the ids (BOS for Llama-2, none for Llama-3's ByteLevel).
/// </summary>
internal abstract class PostProcessor
{
    internal const string Supported = "TemplateProcessing, ByteLevel, Sequence, BertProcessing, RobertaProcessing";

    /// <summary>Returns <paramref name="ids"/> with the special tokens added.</summary>
    public abstract List<int> AddSpecialTokens(List<int> ids);

    /// <summary>The id of the special token placed first, before the text, if any (the BOS).</summary>
    public abstract int? LeadingSpecialTokenId { get; }

    public static PostProcessor FromJson(JsonField field)
    {
        string type = field.TypeTag();
        return type switch
        {
            "TemplateProcessing" => TemplatePostProcessor.ReadTemplate(field),
            "ByteLevel" => new TemplatePostProcessor([], []), // only trims offsets; ids are unchanged
            "Sequence" => new SequencePostProcessor(field.Get("processors").Items().Select(FromJson).ToArray()),
            "BertProcessing" or "RobertaProcessing" => new TemplatePostProcessor(
                [ReadPair(field.Get("cls"))], [ReadPair(field.Get("sep"))]),
            _ => throw field.Get("type").Unsupported(type, Supported),
        };
    }

    /// <summary>Reads BertProcessing's <c>["[CLS]", 101]</c> pairs.</summary>
    private static int ReadPair(JsonField pair)
    {
        var items = pair.Items().ToArray();
        if (items.Length != 2) throw pair.Fail("is not a [token, id] pair", "write it as [\"[CLS]\", 101]");
        items[0].GetString(); // only checked: the id is what goes into the sequence
        return items[1].GetInt32(0, BpeModel.MaxTokenId);
    }
}
