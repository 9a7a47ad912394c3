using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// Weight matrices in a block format for the CPU kernel tests: bytes from <see cref="BlockCodec.Quantize"/>
/// (byte-exact with llama.cpp's ggml_quantize_chunk, checked in LlmLab.LlamaCpp.Tests) or raw random blocks
/// with sane scale fields, in pinned memory a <see cref="TensorView"/> can point at; the reference floats come
/// from <see cref="BlockCodec.Dequantize"/> (equal to ggml's dequantize_row_*, checked there too).
/// </summary>
internal sealed unsafe class QuantizedWeights
{
    private readonly byte[] _bytes;

    private QuantizedWeights(TensorFormat format, int rows, int cols, byte[] bytes)
    {
        Format = format;
        Rows = rows;
        Cols = cols;
        _bytes = bytes;
        Dequantized = new float[rows * cols];
        BlockCodec.Dequantize(format, bytes, Dequantized);
    }

    public TensorFormat Format { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>The blocks, row after row.</summary>
    public byte[] Bytes => _bytes;

    /// <summary>[Rows, Cols] as BlockCodec decodes the blocks.</summary>
    public float[] Dequantized { get; }

    /// <summary>The 13 ggml block formats.</summary>
    public static TheoryData<TensorFormat> BlockFormats() => new(TensorFormats.All.Where(f => f.IsBlockQuantized()));

    /// <summary>Gaussian weights (σ = 0.05, as in a trained layer) quantized by the reference quantizer.</summary>
    public static QuantizedWeights Quantized(TensorFormat format, int rows, int cols, int seed)
    {
        var values = Gaussian(rows * cols, seed, 0.05f);
        var bytes = GC.AllocateArray<byte>(checked((int)format.ByteCount([rows, cols])), pinned: true);
        BlockCodec.Quantize(format, values, bytes);
        return new QuantizedWeights(format, rows, cols, bytes);
    }

    /// <summary>Random bytes in every field, with each block's scale fields set to sane values: every bit pattern of the quants is met.</summary>
    public static QuantizedWeights RandomBlocks(TensorFormat format, int rows, int cols, int seed)
    {
        var random = new Random(seed);
        var bytes = GC.AllocateArray<byte>(checked((int)format.ByteCount([rows, cols])), pinned: true);
        random.NextBytes(bytes);
        int size = format.BytesPerBlock();
        for (int b = 0; b < bytes.Length / size; b++)
        {
            int start = b * size;
            void Put(int offset) => MemoryMarshal.Write(bytes.AsSpan(start + offset, 2), (Half)(0.001 + 0.02 * random.NextDouble()));
            switch (format)
            {
                case TensorFormat.Q8_0 or TensorFormat.Q4_0 or TensorFormat.Q5_0 or TensorFormat.IQ4_NL or TensorFormat.IQ4_XS: Put(0); break;
                case TensorFormat.Q4_1 or TensorFormat.Q5_1 or TensorFormat.Q4_K or TensorFormat.Q5_K: Put(0); Put(2); break;
                case TensorFormat.Q2_K: Put(80); Put(82); break;
                case TensorFormat.Q3_K: Put(108); break;
                case TensorFormat.Q6_K: Put(208); break;
                case TensorFormat.MXFP4: bytes[start] = (byte)random.Next(115, 125); break;   // 2^(e−128): 2^-13 … 2^-4
                default: throw new ArgumentOutOfRangeException(nameof(format), format, "not a block format");
            }
        }
        return new QuantizedWeights(format, rows, cols, bytes);
    }

    /// <summary>
    /// Every quant at its largest unsigned value (nibbles 15; Q6_K's six bits all set, q = 31; Q8_0's bytes 0x80, q = −128,
    /// the largest |q|) with d = dmin = 0.01 and
    /// the largest sub-block scales (Q4_K, Q5_K: 63 and min 63, Q5_K's values 31; Q6_K: +127): the extreme case for the kernels' int16 sums.
    /// </summary>
    public static QuantizedWeights Saturated(TensorFormat format, int rows, int cols)
    {
        var bytes = GC.AllocateArray<byte>(checked((int)format.ByteCount([rows, cols])), pinned: true);
        bytes.AsSpan().Fill(0xFF);
        int size = format.BytesPerBlock();
        for (int b = 0; b < bytes.Length / size; b++)
        {
            var block = bytes.AsSpan(b * size, size);
            switch (format)
            {
                case TensorFormat.Q4_0: MemoryMarshal.Write(block, (Half)0.01); break;
                case TensorFormat.Q8_0: block[2..].Fill(0x80); MemoryMarshal.Write(block, (Half)0.01); break;
                case TensorFormat.Q4_K or TensorFormat.Q5_K: MemoryMarshal.Write(block, (Half)0.01); MemoryMarshal.Write(block[2..], (Half)0.01); break;
                case TensorFormat.Q6_K: block.Slice(192, 16).Fill(127); MemoryMarshal.Write(block[208..], (Half)0.01); break;
                default: throw new ArgumentOutOfRangeException(nameof(format), format, "Q4_0, Q8_0, Q4_K, Q5_K or Q6_K");
            }
        }
        return new QuantizedWeights(format, rows, cols, bytes);
    }

    /// <summary>Loads the matrix on <paramref name="backend"/> as a view of these bytes (kept alive by this object).</summary>
    public DeviceWeight Load(IBackend backend, string name = "blk.0.ffn_up.weight") => backend.LoadWeight(View(name));

    /// <summary>A view of these bytes (kept alive by this object) as the tensor <paramref name="name"/>.</summary>
    public TensorView View(string name = "blk.0.ffn_up.weight")
    {
        byte* p = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_bytes, 0);
        return new TensorView(name, Format, [Rows, Cols], p, _bytes.Length);
    }

    public static float[] Gaussian(int count, int seed, float sigma)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = sigma * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }
}
