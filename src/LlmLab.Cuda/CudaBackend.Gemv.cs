namespace LlmLab.Cuda;

// The float GEMV's launch shapes (gemv.cu compiled once per shape) and the tuning record that may force them.
public sealed partial class CudaBackend
{
    private CudaTuning _tuning = CudaTuning.Default;

    /// <summary>
    /// The lab switches in force: <see cref="CudaBackendOptions.Tuning"/> at creation; benchmarks hand over a variant
    /// (a whole record) between measurements, and the kernels it needs are compiled then. Ops queued afterwards use it;
    /// captured graphs keep what they were captured with.
    /// </summary>
    public CudaTuning Tuning
    {
        get => _tuning;
        internal set
        {
            ArgumentNullException.ThrowIfNull(value);
            Prepare();
            ApplyTuning(value);
        }
    }

    /// <summary>Takes <paramref name="tuning"/> on: its GEMV shapes as launchable variants, and the kernels it needs compiled.</summary>
    private void ApplyTuning(CudaTuning tuning)
    {
        _tuning = tuning;
        _shortProductsTuned = tuning.ShortProductShape is { } s ? new GemvVariant(s.Warps, s.SplitWarps, s.Unroll) : null;
        _gemvForced = tuning.GemvShape is { } g ? new GemvVariant(g.Warps, g.SplitWarps, g.Unroll) : null;
        LoadTunedModules();
        ApplyQuantTuning(tuning);
    }

    private GemvVariant? _shortProductsTuned;   // the tuning's shape for the short products, or null
    private GemvVariant? _gemvForced;           // the tuning's shape forced on every float GEMV, or null

    /// <summary>Compiles the kernel variants the tuning names (GEMV shapes, the norms' weight preload); each once per backend.</summary>
    private void LoadTunedModules()
    {
        foreach (var v in new[] { Wide, WideShort, ShortProducts, Split, SplitFew, _shortProductsTuned, _gemvForced }.OfType<GemvVariant>().Distinct())
        {
            LoadModules(["gemv.cu"], WithGemvBase(Defines(v)));
            if (_fp8Weights) LoadModules(["gemv.cu"], [.. WithGemvBase(Defines(v)), Fp8GemvDefine]);
        }
        LoadModules(["rmsnorm.cu"], NormDefines);
    }

    private bool _fp8Weights;   // an FP8 weight was loaded: gemv.cu's shapes are compiled with GEMV_FP8 too

    /// <summary>Compiles gemv.cu's FP8 variants of every shape in use, once (the first FP8 weight loaded).</summary>
    private void PrepareFp8Gemv()
    {
        if (_fp8Weights) return;
        _fp8Weights = true;
        LoadTunedModules();
    }

    /// <summary>rmsnorm.cu's defines under the tuning: none by default (the module loaded with the other families).</summary>
    private string[] NormDefines => _tuning.NormPreloadWeights ? [] : ["NORM_PRELOAD_W=0"];

    private string[] WithGemvBase(string[] defines) => _tuning.GemvEvictFirst ? defines : [.. defines, "GEMV_EVICT_FIRST=0"];

    /// <summary>Defines of a GEMV shape: none for gemv.cu's defaults (the module loaded with the other families).</summary>
    private static string[] Defines(GemvVariant v) => v == Wide ? [] : v.Defines;

    /// <summary>The GEMV shape for rows that are many and short (gemv.cu's defaults): 4 warps, one row each.</summary>
    private static readonly GemvVariant Wide = new(4, 1, 4);

    /// <summary>
    /// Up to 4096 rows of k ≤ 2048 (a 1B's q/k/v and o): blocks of 4 warps, so the few blocks spread evenly over the
    /// multiprocessors (H200 run 22: 1B +0.4% against 8 warps; 2 warps gave the same, 2 with 4 loads −4%).
    /// </summary>
    private static readonly GemvVariant ShortProducts = new(4, 1, 2);

    /// <summary>Many rows of k ≤ 2048 (the 1B's products): 8 warps of one row, 2 loads per batch (run 11: 1B +2.3%).</summary>
    private static readonly GemvVariant WideShort = new(8, 1, 2);

    /// <summary>
    /// The GEMV shape for few or long rows: 8 warps, 4 per row (split over k), so more warps stream each matrix;
    /// 2 loads per batch (run 11: 8B +1.0% against 4).
    /// </summary>
    private static readonly GemvVariant Split = new(8, 4, 2);

    /// <summary>Long rows that are few (≤ 2048, the 1B's down projection): one row per block of 8 warps (run 11: 1B +2.1%, 8B −4% on its rows).</summary>
    private static readonly GemvVariant SplitFew = new(8, 8, 4);

    /// <summary>
    /// The kernel lab's choice on an H200 (notes/cuda): split rows pay off when k ≥ 8192 (down projections) or when a
    /// matrix has few rows for its length (m ≤ 6144 with k ≥ 4096: q/k/v and o of an 8B model).
    /// </summary>
    private GemvVariant ChooseGemv(int rows, int k) =>
        rows <= 4096 && k <= 2048 ? _shortProductsTuned ?? ShortProducts :
        k >= 8192 || (rows <= 6144 && k >= 4096) ? (rows <= 2048 && k >= 8192 ? SplitFew : Split) : WideFor(k);

    /// <summary>The gate/up shape: split rows from k = 4096 (8B lab, run 12: 53.3 against 55.4 µs one warp per row).</summary>
    private GemvVariant GateUpFor(int k) => k >= 4096 ? Split : WideFor(k);

    /// <summary>The one-warp-per-row shape for rows of length k.</summary>
    private GemvVariant WideFor(int k) => k <= 2048 ? WideShort : Wide;

    private sealed record GemvVariant(int Warps, int SplitWarps, int Unroll)
    {
        /// <summary>Made once per variant: launches look their module up by these.</summary>
        public string[] Defines { get; } = [$"GEMV_WARPS={Warps}", $"GEMV_SPLIT={SplitWarps}", $"GEMV_UNROLL={Unroll}"];
        public int RowsPerBlock => Warps / SplitWarps;
        public int Threads => Warps * 32;

        // Equal shapes are one variant (the defines array is derived, not identity).
        public bool Equals(GemvVariant? other) => other is not null && Warps == other.Warps && SplitWarps == other.SplitWarps && Unroll == other.Unroll;
        public override int GetHashCode() => HashCode.Combine(Warps, SplitWarps, Unroll);
    }

    /// <summary>The module defines, rows per block and threads of a launch with shape <paramref name="v"/>.</summary>
    private (string[] Defines, int RowsPerBlock, int Threads) Launchable(GemvVariant v) => (WithGemvBase(Defines(v)), v.RowsPerBlock, v.Threads);

    /// <summary>The launch of a GEMV over <paramref name="rows"/> matrix rows of length <paramref name="k"/>: the tuning's forced shape, else the per-shape choice.</summary>
    private (string[] Defines, int RowsPerBlock, int Threads) Gemv(int rows, int k) => Launchable(_gemvForced ?? ChooseGemv(rows, k));
}
