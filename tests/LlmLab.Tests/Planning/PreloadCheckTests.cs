using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Tests.Planning;

/// <summary>
/// Loading on a device that plans memory (<see cref="IMemoryPlanner"/>, the CUDA backend in production) checks the
/// planner's bytes against the driver's free memory before any weight is read: a stand-in "cuda:0" whose free memory
/// the test sets, computing on the CPU.
/// </summary>
public sealed class PreloadCheckTests
{
    [Fact]
    public void Loading_refuses_one_byte_short_of_the_plan_and_loads_at_exactly_the_plan()
    {
        var mix = QuantizationMix.Parse("Q4_K_M");
        var model = PlanModel.Resolve(Fixtures.BrownModel, mix);
        var planned = MemoryPlanner.Plan(model, DeviceMap.OnDevice("cuda:0", model.Config.NumLayers), 256, 1, new Dictionary<string, PlanDevice>(), DType.F32).Devices[0];
        long needed = planned.TotalBytes - planned.OverheadBytes;   // the backend exists: its runtime overhead is already spent

        var shortCatalog = new DeviceCatalog([new PlannedGpuProvider(needed - 1)]);
        var e = Assert.Throws<OutOfDeviceMemoryException>(() => shortCatalog.Load(Fixtures.BrownModel, "cuda:0", batch: 1, context: 256, quant: mix));
        Assert.StartsWith($"cuda:0: needs {ByteCount.Format(needed)} (weights {ByteCount.Format(planned.WeightsBytes)} + KV cache", e.Message);
        // What would fit, as plan advises it (fewer GPU layers, a smaller mix, or — one byte short of 256 tokens' plan — 255 tokens).
        Assert.Contains(": fits with --n-gpu-layers ", e.Message);
        Assert.EndsWith("or --context 255", e.Message);

        using var loaded = new DeviceCatalog([new PlannedGpuProvider(needed)]).Load(Fixtures.BrownModel, "cuda:0", batch: 1, context: 256, quant: mix);
        Assert.Equal("Q4_K_M", loaded.Quantization?.Name);
    }

    [Fact]
    public void A_local_gpu_is_planned_with_the_drivers_free_memory_and_without_a_speed_when_its_name_is_unknown()
    {
        using var gpu = new PlannedGpu(12L << 30);
        var planned = PlanDevice.ForLocalGpu(gpu);

        Assert.Equal(("cuda:0", 12L << 30, 12L << 30), (planned.Device, planned.FreeBytes!.Value, planned.TotalBytes!.Value));
        Assert.Null(planned.BandwidthBytesPerSecond);
        using var cpu = new CpuBackend();
        Assert.Equal("cpu cannot report its free memory", Assert.Throws<InvalidOptionException>(() => PlanDevice.ForLocalGpu(cpu)).Message);
    }

    private sealed class PlannedGpuProvider(long freeBytes) : IGpuBackendProvider
    {
        public string DevicePrefix => "cuda";
        public IBackend CreateBackend(string device, DType? computeType) => new PlannedGpu(freeBytes);
        public GpuInventory Survey() => new([], "a test stand-in");
    }

    // A CPU backend that calls itself cuda:0 and reports a set free memory: enough of a GPU for the pre-load check.
    private sealed class PlannedGpu(long freeBytes) : IBackend, IMemoryPlanner
    {
        private readonly CpuBackend _cpu = new();
        public string Device => "cuda:0";
        public DType ActivationType => _cpu.ActivationType;
        public MemoryLedger Memory => _cpu.Memory;
        public void CheckFits(DecoderShape model, int batch, int context) => throw new InvalidOperationException("loading plans through MemoryPlanner");
        public MemoryPlan Plan(DecoderShape model, int batch, int context) => throw new InvalidOperationException("loading plans through MemoryPlanner");
        public (long Free, long Total) DriverMemory() => (freeBytes, freeBytes);
        public bool Supports(BackendOp op, TensorFormat weightFormat) => _cpu.Supports(op, weightFormat);
        public DeviceWeight LoadWeight(TensorView tensor) => _cpu.LoadWeight(tensor);
        public DeviceTensor Allocate(DType dtype, int rows, int cols, MemoryCategory category = MemoryCategory.Activations) => _cpu.Allocate(dtype, rows, cols, category);
        public DeviceTensor View(DeviceTensor tensor, int rows) => _cpu.View(tensor, rows);
        public KvCache AllocateKvCache(KvCacheShape shape) => _cpu.AllocateKvCache(shape);
        public RopeTable CreateRopeTable(RopeSpec rope, int maxPositions) => _cpu.CreateRopeTable(rope, maxPositions);
        public void Write(DeviceTensor destination, ReadOnlySpan<int> values) => _cpu.Write(destination, values);
        public void Write(DeviceTensor destination, ReadOnlySpan<float> values) => _cpu.Write(destination, values);
        public void Read(DeviceTensor source, Span<float> destination) => _cpu.Read(source, destination);
        public void Read(DeviceTensor source, Span<int> destination) => _cpu.Read(source, destination);
        public void Embedding(DeviceTensor ids, DeviceWeight table, DeviceTensor output) => _cpu.Embedding(ids, table, output);
        public void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output) => _cpu.RmsNorm(x, weight, eps, output);
        public void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output) => _cpu.AddRmsNorm(residual, delta, weight, eps, output);
        public void MatMul(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output) => _cpu.MatMul(x, weight, bias, output);
        public void Add(DeviceTensor residual, DeviceTensor delta) => _cpu.Add(residual, delta);
        public void RopeAndCache(DeviceTensor q, DeviceTensor k, DeviceTensor v, RopeTable rope, StepLayout step, KvCache cache, int layer) => _cpu.RopeAndCache(q, k, v, rope, step, cache, layer);
        public void Attention(DeviceTensor q, KvCache cache, int layer, StepLayout step, DeviceTensor output) => _cpu.Attention(q, cache, layer, step, output);
        public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output) => _cpu.SwiGlu(gate, up, output);
        public void LastRows(DeviceTensor x, StepLayout step, DeviceTensor output) => _cpu.LastRows(x, step, output);
        public void Argmax(DeviceTensor logits, DeviceTensor ids) => _cpu.Argmax(logits, ids);
        public void Sample(DeviceTensor logits, float temperature, int topK, float topP, ReadOnlySpan<float> uniforms, DeviceTensor ids) => _cpu.Sample(logits, temperature, topK, topP, uniforms, ids);
        public void RepetitionPenalty(DeviceTensor logits, DeviceTensor seen, DeviceTensor? consumed, float penalty) => _cpu.RepetitionPenalty(logits, seen, consumed, penalty);
        public void Synchronize() => _cpu.Synchronize();
        public void Dispose() => _cpu.Dispose();
    }
}
