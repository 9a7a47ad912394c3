using LlmLab.Formats;
using LlmLab.Models;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab logits</c>: input_ids (I64 [B,T]) in, logits (F32 [B,T,V]) out, both safetensors.</summary>
internal static class LogitsCommand
{
    public const string Usage = """
        logits --model DIR|FILE.gguf --input IN.safetensors --output OUT.safetensors [--device cpu|cuda:N] [--dtype f32|bf16] [--quant TYPE]
          Reads input_ids (I64 [B, T]) and writes logits (F32 [B, T, vocab]) of every position.
        """;

    public static int Run(Arguments a)
    {
        string model = a.Required("model"), input = a.Required("input"), output = a.Required("output");
        string? device = a.String("device");
        var dtype = ModelLocator.ParseDType(a.String("dtype"));
        var quant = ModelLocator.ParseQuant(a.String("quant"));
        a.EnsureAllUsed();
        int[] ids;
        int batch, length;
        using (var file = SafetensorsFile.Open(input))
        {
            if (!file.Contains("input_ids")) throw new UsageException($"logits: {input} has no tensor 'input_ids'");
            var t = file.Tensor("input_ids");
            if (t.Shape.Length != 2 || t.Shape[0] < 1 || t.Shape[1] < 1)
                throw new UsageException($"logits: {input} input_ids has shape {t.ShapeText}; expected [batch, tokens]");
            (batch, length) = (checked((int)t.Shape[0]), checked((int)t.Shape[1]));
            ids = t.ToInt64Array().Select(v => v is < 0 or > int.MaxValue ? throw new UsageException($"logits: {input} input_ids holds {v}, not a token id") : (int)v).ToArray();
        }
        using var transformer = ModelLocator.Load(model, device, dtype, quant: quant);
        if (ids.FirstOrDefault(id => id >= transformer.Config.VocabSize, -1) is var bad and >= 0)
            throw new UsageException($"logits: {input} input_ids holds {bad}, outside the vocabulary of {transformer.Config.VocabSize}");
        using var session = transformer.CreateSession(batch, length, length);
        var logits = session.StepToHost(ids, LogitsFor.AllPositions);
        SafetensorsWriter.Write(output, [TensorToWrite.FromFloats("logits", [batch, length, transformer.Config.VocabSize], logits)]);
        Console.Error.WriteLine($"wrote logits [{batch}, {length}, {transformer.Config.VocabSize}] to {output}");
        return 0;
    }
}
