namespace LlmLab.Cuda;

/// <summary>
/// A launch shape of the float GEMV kernels (gemv.cu's GEMV_WARPS, GEMV_SPLIT, GEMV_UNROLL): <paramref name="Warps"/>
/// per block, <paramref name="SplitWarps"/> warps sharing one row (split over k), <paramref name="Unroll"/> 16-byte loads
/// per lane in flight per batch.
/// </summary>
public sealed record GemvShape(int Warps, int SplitWarps, int Unroll);

/// <summary>
/// A launch shape of the quantized decode GEMV (gemv_quant.cu): <paramref name="Warps"/> per block (QG_WARPS: 4, 8 or
/// 16); <paramref name="Stages"/> tiles of a row each warp keeps in flight (QG_STAGES: 1 holds the next tile in
/// registers, 2–4 fill a ring of tiles in shared memory by cp.async, Stages − 1 ahead); a warp tile of
/// <paramref name="TileScale"/> times the format's base tile (QG_TILE_SCALE: 1, 2 or 4; the base is 8 blocks of 256 or 64
/// of 32); <paramref name="Split"/> warps sharing one row (QG_SPLIT: 1, 2 or 4; 0 splits only rows of many tiles when the
/// rows alone leave the GPU's warps short); <paramref name="RowStep"/> consecutive rows each warp takes in turn, its tiles
/// one stream (1, 2, 4 or 8, a kernel argument; fewer where the grid would fall below two blocks per multiprocessor).
/// </summary>
public sealed record QuantGemvShape(int Warps = 8, int Stages = 1, int TileScale = 1, int Split = 0, int RowStep = 1)
{
    /// <summary>This shape, or an exception naming the value outside what gemv_quant.cu is compiled for.</summary>
    internal QuantGemvShape Check()
    {
        if (Warps is not (4 or 8 or 16)) throw new ArgumentOutOfRangeException(nameof(Warps), Warps, "the quantized GEMV runs 4, 8 or 16 warps per block");
        if (Stages is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(Stages), Stages, "the quantized GEMV keeps 1 to 4 tiles per warp in flight");
        if (TileScale is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(TileScale), TileScale, "a quantized GEMV tile is 1, 2 or 4 times the format's base tile");
        if (Split is not (0 or 1 or 2 or 4) || Split > Warps) throw new ArgumentOutOfRangeException(nameof(Split), Split, "0 (chosen per shape), 1, 2 or 4 warps share a row, at most the block's warps");
        if (RowStep is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(RowStep), RowStep, "a quantized GEMV warp takes 1, 2, 4 or 8 rows in turn");
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Warps} warps, {Stages} stage{(Stages == 1 ? "" : "s")}, tile ×{TileScale}, split {(Split == 0 ? "auto" : Split)}, {RowStep} row{(RowStep == 1 ? "" : "s")} per warp";
}
