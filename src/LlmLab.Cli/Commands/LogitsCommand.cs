using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab logits</c>: input_ids (I64 [B,T]) in, logits (F32 [B,T,V]) out, both safetensors.</summary>
internal static class LogitsCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("logits", "Writes the logits of every position for input_ids read from a safetensors file.")
    {
        Options =
        [
            .. CliOptions.Loading(CliOptions.RequiredModel),
            new MagicOption("input", "safetensors file holding input_ids (I64 [batch, tokens])") { IsRequired = true, ValueName = "IN.safetensors" },
            new MagicOption("output", "safetensors file to write logits (F32 [batch, tokens, vocab]) to") { IsRequired = true, ValueName = "OUT.safetensors" },
        ],
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string input = o.GetString("input")!, output = o.GetString("output")!;
        int[] ids;
        int batch, length;
        using (var file = SafetensorsFile.Open(input))
        {
            if (!file.Contains("input_ids")) throw new InvalidInputException($"{input} has no tensor 'input_ids'");
            var t = file.Tensor("input_ids");
            if (t.Shape.Length != 2 || t.Shape[0] < 1 || t.Shape[1] < 1)
                throw new InvalidInputException($"{input} input_ids has shape {t.ShapeText}; expected [batch, tokens]");
            (batch, length) = (checked((int)t.Shape[0]), checked((int)t.Shape[1]));
            ids = t.ToInt64Array().Select(v => v is < 0 or > int.MaxValue ? throw new InvalidInputException($"{input} input_ids holds {v}, not a token id") : (int)v).ToArray();
        }
        using var transformer = ModelLocator.Load(o);
        if (ids.FirstOrDefault(id => id >= transformer.Config.VocabSize, -1) is var bad and >= 0)
            throw new InvalidInputException($"{input} input_ids holds {bad}, outside the vocabulary of {transformer.Config.VocabSize}");
        using var session = transformer.CreateSession(batch, length, length);
        var logits = session.StepToHost(ids, LogitsFor.AllPositions);
        SafetensorsWriter.Write(output, [TensorToWrite.FromFloats("logits", [batch, length, transformer.Config.VocabSize], logits)]);
        Console.Error.WriteLine($"wrote logits [{batch}, {length}, {transformer.Config.VocabSize}] to {output}");
        return ExitCodes.Success;
    }
}
