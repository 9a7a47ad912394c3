using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

// The integer form of a super-block format's scales, for the prefill kernel that multiplies them in integers
// (CpuQuantMatMul.SuperBlocks.cs): each 16-element group's integer scale, repeated over the 8 int16 lanes its elements
// occupy in a pmaddubsw result, and each super-block's fp32 d. The float scales Row writes are d · (these integers).
internal static unsafe partial class CpuBlockUnpack
{
    /// <summary>int16 lanes per 16-element group in a pmaddubsw result (one lane per element pair).</summary>
    public const int LanesPerGroup = GroupLength / 2;

    /// <summary>
    /// Writes, for the super-blocks of one row of <paramref name="k"/> elements at <paramref name="src"/>, lanes[8g … 8g + 7]
    /// = integer scale of group g (k/2 int16 in all) and d[sb] = the super-block's fp16 d as fp32 (k/256 floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SuperBlockScales(TensorFormat f, byte* src, int k, short* lanes, float* d)
    {
        int blocks = k / 256, bytes = f.BytesPerBlock();
        for (int sb = 0; sb < blocks; sb++)
        {
            byte* b = src + (long)sb * bytes;
            short* l = lanes + 128 * sb;   // 16 groups × 8 lanes
            switch (f)
            {
                case TensorFormat.Q2_K:
                    d[sb] = Half(b + 80);
                    for (int g = 0; g < 16; g++) Put(l, g, b[g] & 0xF);
                    break;
                case TensorFormat.Q3_K:
                    d[sb] = Half(b + 108);
                    for (int g = 0; g < 16; g++)
                    {
                        byte* scales = b + 96;
                        int low4 = g < 8 ? scales[g] & 0xF : scales[g - 8] >> 4;
                        int high2 = (scales[8 + g % 4] >> (2 * (g / 4))) & 3;
                        Put(l, g, (low4 | high2 << 4) - 32);
                    }
                    break;
                case TensorFormat.Q4_K or TensorFormat.Q5_K:
                    d[sb] = Half(b);
                    for (int j = 0; j < 8; j++)
                    {
                        int sc = ScaleMin(b + 4, j).Scale;
                        Put(l, 2 * j, sc);
                        Put(l, 2 * j + 1, sc);
                    }
                    break;
                case TensorFormat.Q6_K:
                    d[sb] = Half(b + 208);
                    for (int g = 0; g < 16; g++) Put(l, g, ((sbyte*)(b + 192))[g]);
                    break;
                case TensorFormat.IQ4_XS:
                    d[sb] = Half(b);
                    int scalesH = *(ushort*)(b + 2);
                    for (int i = 0; i < 8; i++)
                    {
                        int ls = ((b[4 + i / 2] >> (4 * (i % 2))) & 0xF) | (((scalesH >> (2 * i)) & 3) << 4);
                        Put(l, 2 * i, ls - 32);
                        Put(l, 2 * i + 1, ls - 32);
                    }
                    break;
                default:
                    throw new ArgumentException($"{f} has no super-block scales");
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(short* lanes, int group, int scale) => Vector128.Create((short)scale).Store(lanes + LanesPerGroup * group);
}
