using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// The GPUs the tests run on. Every GPU test takes a device ordinal from <see cref="Devices"/>; without a GPU the
/// only entry is -1 and the test skips, naming why CUDA is unavailable (CI machines have no GPU).
/// </summary>
internal static class Gpu
{
    private static readonly Lazy<(int Count, string? Reason)> State = new(() =>
    {
        var reason = CudaBackend.Availability(out int count);
        return (count, reason);
    });

    /// <summary>Ordinals of the GPUs present (empty without one).</summary>
    public static int[] Ordinals => Enumerable.Range(0, State.Value.Count).ToArray();

    /// <summary>Ordinals of the GPUs present, or [-1] when there are none.</summary>
    public static TheoryData<int> Devices
    {
        get
        {
            var data = new TheoryData<int>();
            if (State.Value.Count == 0) data.Add(-1);
            for (int i = 0; i < State.Value.Count; i++) data.Add(i);
            return data;
        }
    }

    /// <summary>(ordinal, compute type) for every GPU and the compute types tested, or (-1, BF16) without a GPU.</summary>
    public static TheoryData<int, DType> DevicesAndTypes
    {
        get
        {
            var data = new TheoryData<int, DType>();
            if (State.Value.Count == 0) data.Add(-1, DType.BF16);
            for (int i = 0; i < State.Value.Count; i++)
                foreach (var t in new[] { DType.F32, DType.BF16 }) data.Add(i, t);
            return data;
        }
    }

    /// <summary>
    /// (ordinal, compute type, <paramref name="names"/>[i]) for every GPU × F32/BF16 × name — a model or mix per case — or
    /// (-1, BF16, the first name) without a GPU.
    /// </summary>
    public static TheoryData<int, DType, string> DevicesTypesAnd(IReadOnlyList<string> names)
    {
        var data = new TheoryData<int, DType, string>();
        if (State.Value.Count == 0) data.Add(-1, DType.BF16, names[0]);
        for (int i = 0; i < State.Value.Count; i++)
            foreach (var t in new[] { DType.F32, DType.BF16 })
                foreach (var name in names) data.Add(i, t, name);
        return data;
    }

    /// <summary>Skips the test when <paramref name="ordinal"/> is the no-GPU placeholder.</summary>
    public static void Require(int ordinal)
    {
        if (ordinal < 0) Assert.Skip($"no CUDA GPU: {State.Value.Reason?.Split(" Looked in:")[0]}");
    }

    /// <summary>A backend on cuda:<paramref name="ordinal"/> computing in <paramref name="type"/>.</summary>
    public static CudaBackend Open(int ordinal, DType type = DType.BF16, bool overlap = true)
    {
        Require(ordinal);
        return CudaBackend.Create(ordinal, new CudaBackendOptions { ComputeType = type, OverlapKernels = overlap });
    }
}

/// <summary>Figures the tests measure (NMSE per op, model agreement), written to the test output and, when
/// LLMLAB_CUDA_REPORT names a file, appended there so a GPU run can bring them back.</summary>
internal static class Report
{
    private static readonly object Gate = new();

    public static void Line(string text)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        if (Environment.GetEnvironmentVariable("LLMLAB_CUDA_REPORT") is { Length: > 0 } path)
            lock (Gate) File.AppendAllText(path, text + Environment.NewLine);
    }
}
