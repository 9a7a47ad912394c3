using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>TemplateProcessing</c> for a single sequence: the ids of the special tokens
/// written before <c>$A</c> in the <c>single</c> template, the text's ids, then those after.
/// </summary>
/// <param name="before">Ids placed before the text.</param>
/// <param name="after">Ids placed after it.</param>
internal sealed class TemplatePostProcessor(int[] before, int[] after) : PostProcessor
{
    public override List<int> AddSpecialTokens(List<int> ids)
    {
        if (before.Length == 0 && after.Length == 0) return ids;
        var result = new List<int>(before.Length + ids.Count + after.Length);
        result.AddRange(before);
        result.AddRange(ids);
        result.AddRange(after);
        return result;
    }

    public override int? LeadingSpecialTokenId => before.Length > 0 ? before[0] : null;

    public static TemplatePostProcessor ReadTemplate(JsonField field)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (field.Find("special_tokens") is { } table)
        {
            foreach (var (name, entry) in table.Properties())
            {
                specials[name] = entry.Get("ids").Items().Select(i => i.GetInt32(0, BpeModel.MaxTokenId)).ToArray();
            }
        }

        var before = new List<int>();
        var after = new List<int>();
        bool seenSequence = false;
        foreach (var piece in field.Get("single").Items())
        {
            if (piece.Kind == JsonValueKind.String)
            {
                // The Python constructor's "$A" / "<s>" spelling, kept by some hand-written files.
                string s = piece.GetString();
                if (s.StartsWith('$'))
                {
                    if (s is not ("$A" or "$" or "$0" or "$A:0")) throw piece.Fail($"{JsonField.Quote(s)} is not sequence A", "a single-sequence template can only hold $A");
                    seenSequence = true;
                }
                else
                {
                    (seenSequence ? after : before).AddRange(SpecialIds(specials, s.Split(':')[0], piece));
                }
            }
            else if (piece.Find("Sequence") is { } sequence)
            {
                string id = sequence.String("id");
                if (id != "A") throw sequence.Get("id").Fail($"is {JsonField.Quote(id)}", "a single-sequence template can only hold sequence A");
                seenSequence = true;
            }
            else if (piece.Find("SpecialToken") is { } special)
            {
                (seenSequence ? after : before).AddRange(SpecialIds(specials, special.String("id"), special));
            }
            else
            {
                throw piece.Fail("is neither a {\"Sequence\": ...} nor a {\"SpecialToken\": ...} piece", "fix the template");
            }
        }
        return new TemplatePostProcessor(before.ToArray(), after.ToArray());
    }

    private static int[] SpecialIds(Dictionary<string, int[]> specials, string name, JsonField where) =>
        specials.TryGetValue(name, out var ids)
            ? ids
            : throw where.Fail($"uses special token {JsonField.Quote(name)}, which post_processor.special_tokens does not define", "add it to special_tokens with its ids");
}
