using LlmLab.Formats;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Evaluation;

/// <summary>
/// Copies of the embedded model (data/models/brown-llama-7m, BF16) with its weights stored in another float format,
/// written with SafetensorsWriter into a temporary folder beside copies of its config and tokenizer.
/// </summary>
internal static class ModelCopies
{
    private static readonly Lazy<string> F32 = new(() => Write(TensorFormat.F32));
    private static readonly Lazy<string> F16 = new(() => Write(TensorFormat.F16));

    /// <summary>The weights widened to F32: bf16 → fp32 is exact, so every weight is unchanged.</summary>
    public static string BrownF32 => F32.Value;

    /// <summary>
    /// The weights rounded to F16: exact for bf16 values from 2⁻¹⁷ up (f16 has 3 more mantissa bits), rounded for the
    /// smaller ones that fall into f16's subnormal range, so the copy differs from the original by a hair.
    /// </summary>
    public static string BrownF16 => F16.Value;

    private static string Write(TensorFormat format)
    {
        string dir = Fixtures.TempDir();
        foreach (var file in new[] { "config.json", "generation_config.json", "tokenizer.json" })
            File.Copy(Path.Combine(Fixtures.BrownModel, file), Path.Combine(dir, file));
        using var source = SafetensorsFile.Open(Path.Combine(Fixtures.BrownModel, "model.safetensors"));
        var tensors = source.Names.Select(name =>
        {
            var t = source.Tensor(name);
            float[] values = t.ToFloatArray();
            var bytes = new byte[checked((int)format.ByteCount(t.Shape))];
            BlockCodec.Quantize(format, values, bytes);
            return TensorToWrite.FromBytes(name, format.ElementType()!.Value, t.Shape, bytes);
        }).ToArray();
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        return dir;
    }
}
