using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A llama.cpp quantization mix ("ftype"): a base format and the rules that give some tensors more bits, as
/// <c>llama_tensor_get_type</c> in llama.cpp's src/llama-quant.cpp chooses them for Llama-family models without an
/// importance matrix. Only 2-D weights are converted; vectors (norms, biases) are written as F32. The output head (or
/// the embedding table when tied) becomes Q6_K in every quantized mix except Q8_0. A row that does not divide into
/// the chosen format's blocks falls back as llama.cpp does for the K-quants (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0,
/// Q2_K/Q3_K → Q4_0, IQ4_XS → IQ4_NL), and to F16 where that does not divide either or for the 32-element types
/// (llama.cpp refuses those); each fallback is reported.
/// FP8 (not a llama.cpp mix) follows the hub's FP8 checkpoints (llm-compressor's FP8 schemes, vLLM): every linear layer
/// of the blocks in <see cref="TensorFormat.FP8"/> (E4M3 with a scale per output channel), the embedding table and the
/// output head in BF16; a row that is not whole 32-element parts (the GPU kernels' unit) falls back to BF16, reported.
/// </summary>
public sealed record QuantizationMix(string Name, TensorFormat BaseFormat)
{
    /// <summary>Row lengths FP8 weights take: the CUDA kernels read FP8 rows in parts of 32 codes (gemv_quant.cu's QPART).</summary>
    public const int Fp8RowMultiple = 32;

    /// <summary>The mixes <c>llmlab quantize</c> and <c>--quant</c> accept, in llama-quantize's names.</summary>
    public static IReadOnlyList<QuantizationMix> All { get; } =
    [
        new("F32", TensorFormat.F32), new("F16", TensorFormat.F16), new("BF16", TensorFormat.BF16),
        new("Q8_0", TensorFormat.Q8_0), new("Q6_K", TensorFormat.Q6_K),
        new("Q5_K_M", TensorFormat.Q5_K), new("Q5_K_S", TensorFormat.Q5_K),
        new("Q4_K_M", TensorFormat.Q4_K), new("Q4_K_S", TensorFormat.Q4_K),
        new("Q4_0", TensorFormat.Q4_0), new("Q4_1", TensorFormat.Q4_1), new("Q5_0", TensorFormat.Q5_0), new("Q5_1", TensorFormat.Q5_1),
        new("IQ4_NL", TensorFormat.IQ4_NL), new("IQ4_XS", TensorFormat.IQ4_XS),
        new("Q3_K_M", TensorFormat.Q3_K), new("Q3_K_L", TensorFormat.Q3_K), new("Q2_K", TensorFormat.Q2_K),
        new("FP8", TensorFormat.FP8),
    ];

    /// <summary>The mix called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="InvalidOptionException">An unknown name; the message lists the supported ones.</exception>
    public static QuantizationMix Parse(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOptionException($"--type/--quant '{name}' is not a quantization LlmLab writes; use one of {string.Join(", ", All.Select(m => m.Name))}");

    /// <summary>The format a whole-model conversion stores <paramref name="t"/> in, with the reason when a fallback applied.</summary>
    public (TensorFormat Format, string? Fallback) Choose(ExpectedTensor t, ModelConfig config)
    {
        if (t.Shape.Length < 2) return (TensorFormat.F32, null);
        if (BaseFormat == TensorFormat.FP8)
        {
            if (IsHead(t, config) || t.Role == TensorRole.Embedding) return (TensorFormat.BF16, null);
            return t.Shape[^1] % Fp8RowMultiple == 0 ? (TensorFormat.FP8, null)
                : (TensorFormat.BF16, $"'{t.Name}': rows of {t.Shape[^1]} are not whole {Fp8RowMultiple}-element parts, as the GPU's FP8 kernels read them; stored as BF16");
        }
        var chosen = BaseFormat.IsBlockQuantized() ? Rule(t, config) : BaseFormat;
        return Fallback(chosen, t.Shape[^1], t.Name);
    }

    // llama_tensor_get_type_impl for the mixes above (no experts, not Falcon, not a 70B).
    private TensorFormat Rule(ExpectedTensor t, ModelConfig c)
    {
        int n = c.NumLayers, i = t.Layer ?? 0, gqa = c.NumHeads / c.NumKvHeads;
        if (IsHead(t, c))
        {
            if (!BaseFormat.DividesRow(t.Shape[^1])) return TensorFormat.Q8_0;
            return BaseFormat == TensorFormat.Q8_0 ? TensorFormat.Q8_0 : TensorFormat.Q6_K;
        }
        return (Name, t.Role) switch
        {
            ("Q2_K", TensorRole.Value) => gqa >= 4 ? TensorFormat.Q4_K : TensorFormat.Q3_K,
            ("Q3_K_M", TensorRole.Value) => i < 2 ? TensorFormat.Q5_K : TensorFormat.Q4_K,
            ("Q3_K_L", TensorRole.Value) => TensorFormat.Q5_K,
            ("IQ4_NL" or "IQ4_XS", TensorRole.Value) when gqa >= 4 => TensorFormat.Q5_K,
            ("Q4_K_M" or "Q5_K_M", TensorRole.Value) when UseMoreBits(i, n) => TensorFormat.Q6_K,
            ("Q4_K_S", TensorRole.Value) when i < 4 => TensorFormat.Q5_K,
            ("Q2_K", TensorRole.Down) => TensorFormat.Q3_K,
            ("Q3_K_M", TensorRole.Down) => i < n / 16 ? TensorFormat.Q5_K : TensorFormat.Q4_K,
            ("Q3_K_L", TensorRole.Down) => TensorFormat.Q5_K,
            ("Q4_K_M", TensorRole.Down) when UseMoreBits(i, n) => TensorFormat.Q6_K,
            ("IQ4_NL" or "IQ4_XS", TensorRole.Down) when i < n / 8 => TensorFormat.Q5_K,
            ("Q5_K_M", TensorRole.Down) when UseMoreBits(i, n) => TensorFormat.Q6_K,
            ("Q4_K_S", TensorRole.Down) when i < n / 8 => TensorFormat.Q5_K,
            ("Q2_K", TensorRole.AttentionOutput) => TensorFormat.Q3_K,
            ("Q3_K_M", TensorRole.AttentionOutput) => TensorFormat.Q4_K,
            ("Q3_K_L", TensorRole.AttentionOutput) => TensorFormat.Q5_K,
            _ => BaseFormat,
        };
    }

    /// <summary>The output head, or the embedding table when it is tied to the head.</summary>
    private static bool IsHead(ExpectedTensor t, ModelConfig c) => t.Role == TensorRole.OutputHead || (c.TieWordEmbeddings && t.Role == TensorRole.Embedding);

    /// <summary>llama.cpp's <c>use_more_bits</c>: the first and last eighth of the layers and every third one between.</summary>
    public static bool UseMoreBits(int layer, int layers) => layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private static (TensorFormat, string?) Fallback(TensorFormat chosen, long rowLength, string name)
    {
        if (chosen.DividesRow(rowLength)) return (chosen, null);
        TensorFormat? next = chosen switch
        {
            TensorFormat.Q4_K => TensorFormat.Q5_0,
            TensorFormat.Q5_K => TensorFormat.Q5_1,
            TensorFormat.Q6_K => TensorFormat.Q8_0,
            TensorFormat.Q2_K or TensorFormat.Q3_K => TensorFormat.Q4_0,
            TensorFormat.IQ4_XS => TensorFormat.IQ4_NL,
            _ => null,
        };
        var result = next is { } f && f.DividesRow(rowLength) ? f : TensorFormat.F16;
        return (result, $"'{name}': rows of {rowLength} do not divide into {chosen}'s {chosen.BlockLength()}-element blocks; stored as {result}");
    }
}
