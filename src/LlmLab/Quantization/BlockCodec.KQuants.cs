using LlmLab.Tensors;

namespace LlmLab.Quantization;

public static partial class BlockCodec
{
    /// <summary>Registers ggml's K-quants (super-blocks of 256), byte-exact with ggml's reference quantizers.</summary>
    static partial void AddKQuants(Dictionary<TensorFormat, IBlockCodec> codecs)
    {
        foreach (var c in new IBlockCodec[] { new Q2KCodec(), new Q3KCodec(), new Q4KCodec(), new Q5KCodec(), new Q6KCodec() })
            codecs[c.Format] = c;
    }
}
