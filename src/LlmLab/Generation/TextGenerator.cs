using LlmLab.Models;
using LlmLab.Tokenization;

namespace LlmLab.Generation;

/// <summary>
/// Text in, text out: encodes a prompt, streams the continuation through <see cref="Generator"/> and decodes it
/// token by token (a token that ends inside a UTF-8 character waits for the next), as <c>llmlab generate</c> and
/// <c>#!llm-generate</c> print it.
/// </summary>
/// <param name="model">The loaded model.</param>
/// <param name="tokenizer">Its tokenizer.</param>
public sealed class TextGenerator(Transformer model, Tokenizer tokenizer)
{
    /// <summary>The model generating.</summary>
    public Transformer Model { get; } = model;

    /// <summary>The tokenizer encoding prompts and decoding tokens.</summary>
    public Tokenizer Tokenizer { get; } = tokenizer;

    /// <summary>A generator for <paramref name="model"/> with the tokenizer.json of its folder.</summary>
    public static TextGenerator ForModel(Transformer model) => new(model, ModelTokenizer.Load(model.ModelPath));

    /// <summary>Continues <paramref name="prompt"/>; <paramref name="onText"/> receives each piece of new text as it is decoded.</summary>
    /// <exception cref="InvalidOptionException">A sampling option is out of range, the prompt is empty or fills the context.</exception>
    public GeneratedText Generate(string prompt, int maxNewTokens, SamplingOptions sampling, Action<string>? onText = null, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        var ids = Tokenizer.Encode(prompt, addSpecialTokens);
        var decoder = Tokenizer.CreateStreamDecoder();
        var eos = Model.EosTokenIds;
        var completion = new System.Text.StringBuilder();
        void Emit(string text)
        {
            if (text.Length == 0) return;
            completion.Append(text);
            onText?.Invoke(text);
        }

        var result = new Generator(Model).Generate(ids, maxNewTokens, sampling, token =>
        {
            if (!eos.Contains(token.Id)) Emit(decoder.Append(token.Id));
        });
        Emit(decoder.Flush());
        return new GeneratedText(prompt, completion.ToString(), result.PromptTokens, result.GeneratedIds.Count, result.Stop,
            result.TimeToFirstTokenMs, result.DecodeTokensPerSecond, result.TotalMs, Model.Backend.Device);
    }
}
