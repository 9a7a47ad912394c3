using LlmLab.Backends;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>A backend that forwards every op (the fused ones too, so the inner backend's fused kernels run) to another and hides its graph capture, so sessions run decode steps eagerly.</summary>
internal sealed class EagerBackend(IBackend inner) : IBackend
{
    public string Device => inner.Device;
    public DType ActivationType => inner.ActivationType;
    public MemoryLedger Memory => inner.Memory;
    public bool Supports(BackendOp op, TensorFormat weightFormat) => inner.Supports(op, weightFormat);
    public DeviceWeight LoadWeight(TensorView tensor) => inner.LoadWeight(tensor);
    public DeviceTensor Allocate(DType dtype, int rows, int cols, MemoryCategory category = MemoryCategory.Activations) => inner.Allocate(dtype, rows, cols, category);
    public DeviceTensor View(DeviceTensor tensor, int rows) => inner.View(tensor, rows);
    public KvCache AllocateKvCache(KvCacheShape shape) => inner.AllocateKvCache(shape);
    public RopeTable CreateRopeTable(RopeSpec rope, int maxPositions) => inner.CreateRopeTable(rope, maxPositions);
    public void Write(DeviceTensor destination, ReadOnlySpan<int> values) => inner.Write(destination, values);
    public void Write(DeviceTensor destination, ReadOnlySpan<float> values) => inner.Write(destination, values);
    public void Read(DeviceTensor source, Span<float> destination) => inner.Read(source, destination);
    public void Read(DeviceTensor source, Span<int> destination) => inner.Read(source, destination);
    public void Embedding(DeviceTensor ids, DeviceWeight table, DeviceTensor output) => inner.Embedding(ids, table, output);
    public void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output) => inner.RmsNorm(x, weight, eps, output);
    public void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output) => inner.AddRmsNorm(residual, delta, weight, eps, output);
    public void MatMul(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output) => inner.MatMul(x, weight, bias, output);
    public void Add(DeviceTensor residual, DeviceTensor delta) => inner.Add(residual, delta);
    public void RopeAndCache(DeviceTensor q, DeviceTensor k, DeviceTensor v, RopeTable rope, StepLayout step, KvCache cache, int layer) => inner.RopeAndCache(q, k, v, rope, step, cache, layer);
    public void Attention(DeviceTensor q, KvCache cache, int layer, StepLayout step, DeviceTensor output) => inner.Attention(q, cache, layer, step, output);
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output) => inner.SwiGlu(gate, up, output);
    public void QkvProjection(DeviceTensor x, QkvWeights w, DeviceTensor q, DeviceTensor k, DeviceTensor v) => inner.QkvProjection(x, w, q, k, v);
    public void QkvRopeAndCache(DeviceTensor x, QkvWeights w, float eps, RopeTable rope, StepLayout step, KvCache cache, int layer, DeviceTensor q, DeviceTensor k, DeviceTensor v) =>
        inner.QkvRopeAndCache(x, w, eps, rope, step, cache, layer, q, k, v);
    public void GateUpSwiGlu(DeviceTensor x, DeviceWeight gateWeight, DeviceWeight upWeight, DeviceTensor gate, DeviceTensor up) => inner.GateUpSwiGlu(x, gateWeight, upWeight, gate, up);
    public void LastRows(DeviceTensor x, StepLayout step, DeviceTensor output) => inner.LastRows(x, step, output);
    public void Argmax(DeviceTensor logits, DeviceTensor ids) => inner.Argmax(logits, ids);
    public void Sample(DeviceTensor logits, float temperature, int topK, float topP, ReadOnlySpan<float> uniforms, DeviceTensor ids) => inner.Sample(logits, temperature, topK, topP, uniforms, ids);
    public void RepetitionPenalty(DeviceTensor logits, DeviceTensor seen, DeviceTensor? consumed, float penalty) => inner.RepetitionPenalty(logits, seen, consumed, penalty);
    public void Synchronize() => inner.Synchronize();
    public void Dispose() { } // the wrapped backend is owned by the test
}
