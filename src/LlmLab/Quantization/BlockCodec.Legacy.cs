using LlmLab.Tensors;

namespace LlmLab.Quantization;

public static partial class BlockCodec
{
    // ggml's 32-element types and IQ4_XS, byte-identical with ggml_quantize_chunk without an importance matrix
    // (tests/LlmLab.LlamaCpp.Tests checks them against llama.cpp's libggml-base).
    static partial void AddLegacy(Dictionary<TensorFormat, IBlockCodec> codecs)
    {
        foreach (var c in new IBlockCodec[]
        {
            new Q8_0Codec(), new Q4_0Codec(), new Q4_1Codec(), new Q5_0Codec(), new Q5_1Codec(),
            new IQ4_NLCodec(), new IQ4_XSCodec(), new Mxfp4Codec(),
        })
            codecs[c.Format] = c;
    }
}
