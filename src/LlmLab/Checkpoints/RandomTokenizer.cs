using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Tokenization;

namespace LlmLab.Checkpoints;

/// <summary>
/// The tokenizer.json <see cref="RandomCheckpoint"/> writes beside random weights: a byte-level BPE (GPT-2's byte
/// alphabet, no merges) whose vocabulary has exactly the model's size, so generate, perplexity and inspect run on the
/// checkpoint and no token id falls outside the embedding. Layout, in id order:
/// <list type="number">
/// <item>0 <c>&lt;|pad|&gt;</c>, 1 <c>&lt;|begin_of_text|&gt;</c> (BOS), 2 <c>&lt;|end_of_text|&gt;</c> (EOS): the ids the
/// preset's config.json and generation_config.json name; special added tokens.</item>
/// <item>3..258: the 256 byte symbols, so every text encodes (one token per UTF-8 byte).</item>
/// <item>259..vocab−1: <c>&lt;|reserved_N|&gt;</c> entries that no text produces, filling the vocabulary.</item>
/// </list>
/// </summary>
public static class RandomTokenizer
{
    /// <summary>Special tokens first, then the byte symbols: the smallest vocabulary this layout needs.</summary>
    public const int MinVocabulary = SpecialTokens + 256;

    private const int SpecialTokens = 3;

    private static readonly string[] SpecialNames = ["<|pad|>", "<|begin_of_text|>", "<|end_of_text|>"];

    /// <summary>Writes the tokenizer for a vocabulary of <paramref name="vocabSize"/> tokens to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOptionException">A vocabulary smaller than <see cref="MinVocabulary"/>.</exception>
    public static void Write(string path, int vocabSize)
    {
        if (vocabSize < MinVocabulary)
            throw new InvalidOptionException($"{path}: a vocabulary of {vocabSize} tokens cannot hold the 3 special tokens and 256 byte symbols of a byte-level tokenizer; use at least {MinVocabulary}");
        var vocab = new JsonObject();
        for (int id = 0; id < SpecialTokens; id++) vocab[SpecialNames[id]] = id;
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.ByteToChar[b].ToString()] = SpecialTokens + b;
        for (int id = MinVocabulary; id < vocabSize; id++) vocab[$"<|reserved_{id - MinVocabulary}|>"] = id;

        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(SpecialNames.Select((name, id) => (JsonNode)new JsonObject
            {
                ["id"] = id, ["content"] = name, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            }).ToArray()),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = new JsonObject
            {
                // BOS before every sequence, as Llama 3's template adds <|begin_of_text|>.
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special(), Sequence("A")),
                ["pair"] = new JsonArray(Special(), Sequence("A"), Special(), Sequence("B")),
                ["special_tokens"] = new JsonObject { [SpecialNames[1]] = new JsonObject { ["id"] = SpecialNames[1], ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray(SpecialNames[1]) } },
            },
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
        File.WriteAllText(path, tokenizer.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    private static JsonObject Special() => new() { ["SpecialToken"] = new JsonObject { ["id"] = SpecialNames[1], ["type_id"] = 0 } };

    private static JsonObject Sequence(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
}
