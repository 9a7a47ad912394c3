namespace LlmLab.Backends.Cpu;

/// <summary>Whether a Q4_K-style super-block carries a fifth bit per element (Q5_K), and its layout.</summary>
internal interface IFifthBit
{
    static abstract bool Present { get; }
    static abstract int BlockBytes { get; }
    static abstract int QuantsOffset { get; }
}

internal struct FourBits : IFifthBit
{
    public static bool Present => false;
    public static int BlockBytes => 144;
    public static int QuantsOffset => 16;
}

internal struct FiveBits : IFifthBit
{
    public static bool Present => true;
    public static int BlockBytes => 176;
    public static int QuantsOffset => 48;
}
