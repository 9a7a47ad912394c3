using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;

namespace LlmLab.Cuda;

/// <summary>
/// One (strided-batched) row-major product C[M×N] = A[M×K] · op(B), op(B) = B[N×K]ᵀ when
/// <see cref="TransposeB"/> (x·Wᵀ, the weight layout) or B[K×N] otherwise. Leading dimensions and batch
/// strides are in elements; alignments are the byte alignment the pointers are guaranteed to have.
/// <see cref="RowScaled"/> (FP8 inputs, TransposeB): C[i, j] = sa[i] · sb[j] · Σ A[i, :]·B[j, :], with one fp32 scale per
/// row of A and per row of B given at <see cref="CublasLtGemm.Run"/> (cuBLASLt's outer-vector scaling).
/// </summary>
internal readonly record struct GemmShape(
    bool TransposeB, int M, int N, int K, int InputType, int OutputType,
    long Lda, long StrideA, long Ldb, long StrideB, long Ldc, long StrideC, int Batch,
    int AlignA, int AlignB, int AlignC, bool RowScaled = false);

/// <summary>
/// Products through cuBLASLt (tensor cores for BF16/F16, exact fp32 FMA for F32 compute). A plan (descriptors
/// and the heuristic's first algorithm) is made once per <see cref="GemmShape"/> and reused; the workspace is one
/// fixed buffer, so products can be captured into CUDA graphs.
/// </summary>
internal sealed unsafe class CublasLtGemm : IDisposable
{
    /// <summary>Largest alignment cuBLASLt distinguishes (its default assumption for unset preferences).</summary>
    private const int MaxAlignment = 256;

    private readonly CublasLtHandle _handle;
    private readonly DeviceBuffer _workspace;
    private readonly Dictionary<GemmShape, Plan> _plans = [];
    private readonly HashSet<GemmShape> _refused = [];

    public CublasLtGemm(CublasLtHandle handle, DeviceBuffer workspace)
    {
        _handle = handle;
        _workspace = workspace;
    }

    /// <summary>Why cuBLASLt last refused a shape <see cref="Offers"/> asked about (null if none was refused).</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>
    /// Whether cuBLASLt has a kernel for <paramref name="shape"/> (the plan is made and kept; a shape it refuses is
    /// remembered, so the caller's fallback costs one query).
    /// </summary>
    public bool Offers(in GemmShape shape)
    {
        if (_plans.ContainsKey(shape)) return true;
        if (_refused.Contains(shape)) return false;
        try
        {
            _plans[shape] = Plan.Create(_handle.Value, shape, _workspace.Bytes);
            return true;
        }
        catch (CudaException e)
        {
            _refused.Add(shape);
            LastRefusal = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Queues C = A·op(B) on <paramref name="stream"/>; for a <see cref="GemmShape.RowScaled"/> shape, <paramref name="scalesA"/>
    /// and <paramref name="scalesB"/> are device vectors of M and N fp32 scales.
    /// </summary>
    public void Run(in GemmShape shape, ulong a, ulong b, ulong c, CudaStream stream, ulong scalesA = 0, ulong scalesB = 0)
    {
        if (!_plans.TryGetValue(shape, out var plan))
        {
            plan = Plan.Create(_handle.Value, shape, _workspace.Bytes);
            _plans[shape] = plan;
        }
        if (shape.RowScaled)
        {
            // cuBLASLt's A is our B (its rows are C's columns), its B our A.
            CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescAScalePointer, &scalesB, (nuint)sizeof(ulong)));
            CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescBScalePointer, &scalesA, (nuint)sizeof(ulong)));
        }
        float alpha = 1f, beta = 0f;
        var algo = plan.Algo;
        // Column-major view: Cᵀ[N×M] = op(B)ᵀ · Aᵀ, so cuBLASLt's A is our B and its B is our A.
        CublasLt.Check(CublasLt.cublasLtMatmul(_handle.Value, plan.Desc, &alpha, b, plan.LayoutB, a, plan.LayoutA, &beta,
            c, plan.LayoutC, c, plan.LayoutC, &algo, _workspace.Pointer, (nuint)_workspace.Bytes, stream.Value));
    }

    /// <summary>The largest power of two (≤ 256) dividing the address and every byte offset the product steps by.</summary>
    public static int Alignment(ulong pointer, int elementBytes, params ReadOnlySpan<long> elementOffsets)
    {
        ulong bits = pointer | MaxAlignment;
        foreach (var offset in elementOffsets) bits |= (ulong)(offset * elementBytes);
        return (int)(bits & (~bits + 1));
    }

    public void Dispose()
    {
        foreach (var plan in _plans.Values) plan.Dispose();
        _plans.Clear();
        _workspace.Dispose();
    }

    private sealed class Plan : IDisposable
    {
        public nint Desc, LayoutA, LayoutB, LayoutC;
        public CublasLt.Algo Algo;

        public static Plan Create(nint handle, in GemmShape s, long workspaceBytes)
        {
            var plan = new Plan();
            nint preference = 0;
            try
            {
                CublasLt.Check(CublasLt.cublasLtMatmulDescCreate(out plan.Desc, CublasLt.Compute32F, CublasLt.R32F));
                int transA = s.TransposeB ? CublasLt.OpT : CublasLt.OpN, transB = CublasLt.OpN;
                CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescTransA, &transA, sizeof(int)));
                CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescTransB, &transB, sizeof(int)));
                if (s.RowScaled)
                {
                    int mode = CublasLt.ScaleOuterVec32F;
                    CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescAScaleMode, &mode, sizeof(int)));
                    CublasLt.Check(CublasLt.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLt.DescBScaleMode, &mode, sizeof(int)));
                }
                // cuBLASLt's A: our B, stored K×N (ld Ldb) when transposed, else N×K.
                plan.LayoutB = Layout(s.InputType, s.TransposeB ? s.K : s.N, s.TransposeB ? s.N : s.K, s.Ldb, s.Batch, s.StrideB);
                // cuBLASLt's B: our A, stored K×M (ld Lda).
                plan.LayoutA = Layout(s.InputType, s.K, s.M, s.Lda, s.Batch, s.StrideA);
                plan.LayoutC = Layout(s.OutputType, s.N, s.M, s.Ldc, s.Batch, s.StrideC);

                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceCreate(out preference));
                ulong workspace = (ulong)workspaceBytes;
                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, CublasLt.PrefMaxWorkspaceBytes, &workspace, sizeof(ulong)));
                uint alignA = (uint)s.AlignB, alignB = (uint)s.AlignA, alignC = (uint)s.AlignC;
                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, CublasLt.PrefMinAlignmentA, &alignA, sizeof(uint)));
                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, CublasLt.PrefMinAlignmentB, &alignB, sizeof(uint)));
                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, CublasLt.PrefMinAlignmentC, &alignC, sizeof(uint)));
                CublasLt.Check(CublasLt.cublasLtMatmulPreferenceSetAttribute(preference, CublasLt.PrefMinAlignmentD, &alignC, sizeof(uint)));

                CublasLt.HeuristicResult result;
                CublasLt.Check(CublasLt.cublasLtMatmulAlgoGetHeuristic(handle, plan.Desc, plan.LayoutB, plan.LayoutA, plan.LayoutC, plan.LayoutC,
                    preference, 1, &result, out int returned));
                if (returned == 0 || result.State != CublasLt.Success)
                    throw new CudaException("cublasLtMatmulAlgoGetHeuristic", result.State, "no algorithm",
                        $"cuBLASLt offers no kernel for {s}");
                plan.Algo = result.Algo;
                return plan;
            }
            catch
            {
                plan.Dispose();
                throw;
            }
            finally
            {
                if (preference != 0) CublasLt.cublasLtMatmulPreferenceDestroy(preference);
            }
        }

        private static nint Layout(int type, int rows, int cols, long ld, int batch, long stride)
        {
            CublasLt.Check(CublasLt.cublasLtMatrixLayoutCreate(out var layout, type, (ulong)rows, (ulong)cols, ld));
            if (batch > 1)
            {
                CublasLt.Check(CublasLt.cublasLtMatrixLayoutSetAttribute(layout, CublasLt.LayoutBatchCount, &batch, sizeof(int)));
                CublasLt.Check(CublasLt.cublasLtMatrixLayoutSetAttribute(layout, CublasLt.LayoutStridedBatchOffset, &stride, sizeof(long)));
            }
            return layout;
        }

        public void Dispose()
        {
            if (LayoutA != 0) CublasLt.cublasLtMatrixLayoutDestroy(LayoutA);
            if (LayoutB != 0) CublasLt.cublasLtMatrixLayoutDestroy(LayoutB);
            if (LayoutC != 0) CublasLt.cublasLtMatrixLayoutDestroy(LayoutC);
            if (Desc != 0) CublasLt.cublasLtMatmulDescDestroy(Desc);
            LayoutA = LayoutB = LayoutC = Desc = 0;
        }
    }
}
