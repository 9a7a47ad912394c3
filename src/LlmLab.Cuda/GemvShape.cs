namespace LlmLab.Cuda;

/// <summary>
/// A launch shape of the float GEMV kernels (gemv.cu's GEMV_WARPS, GEMV_SPLIT, GEMV_UNROLL): <paramref name="Warps"/>
/// per block, <paramref name="SplitWarps"/> warps sharing one row (split over k), <paramref name="Unroll"/> 16-byte loads
/// per lane in flight per batch.
/// </summary>
public sealed record GemvShape(int Warps, int SplitWarps, int Unroll);
