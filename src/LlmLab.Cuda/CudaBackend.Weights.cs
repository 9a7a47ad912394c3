using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// Placing weights, KV caches and rotary tables on the device.
public sealed unsafe partial class CudaBackend
{
    /// <summary>Widest head the attention kernels take (their shared-memory merge buffer is sized for it).</summary>
    internal const int MaxHeadDim = 256;

    private HostToDeviceCopier? _upload;

    /// <inheritdoc />
    public DeviceWeight LoadWeight(TensorView tensor)
    {
        if (!Supports(BackendOp.MatMul, tensor.Format))
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is {tensor.Format}; the CUDA backend computes with {SupportedFormatList} weights: convert the tensor (llmlab quantize, --quant) or use --device cpu");
        if (tensor.Format.IsQuantized()) return LoadQuantizedWeight(tensor);
        var (rows, cols) = tensor.Shape.Length switch
        {
            1 => (1, checked((int)tensor.Shape[0])),
            2 => (checked((int)tensor.Shape[0]), checked((int)tensor.Shape[1])),
            _ => throw new InvalidCheckpointException($"tensor '{tensor.Name}' has shape {tensor.ShapeText}; weights are vectors or matrices"),
        };
        // Vectors (norm weights, biases) are used in fp32 by every kernel; matrices in the compute type.
        var target = tensor.Shape.Length == 1 ? DType.F32 : ActivationType;
        long elements = (long)rows * cols;
        MakeCurrent();
        var buffer = _allocator.Allocate(elements * target.SizeOf(), MemoryCategory.Weights);
        try
        {
            _upload ??= new HostToDeviceCopier(this);
            _upload.Copy(tensor.Data, tensor.Format.ElementType()!.Value, target, elements, buffer.Pointer);
            return new CudaWeight(tensor.Name, target, rows, cols, buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<DeviceWeight> LoadWeightGroup(IReadOnlyList<TensorView> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) return [];
        long cols = tensors[0].Shape.Length == 2 ? tensors[0].Shape[1] : -1;
        if (tensors.Any(t => t.Shape.Length != 2 || t.Shape[1] != cols))
            throw new InvalidCheckpointException($"tensors {string.Join(", ", tensors.Select(t => $"'{t.Name}' {t.ShapeText}"))} cannot be placed as one group: " +
                                                 "a group is matrices with equal row lengths");
        foreach (var t in tensors)
            if (!Supports(BackendOp.MatMul, t.Format))
                throw new InvalidCheckpointException($"tensor '{t.Name}' is {t.Format}; the CUDA backend computes with {SupportedFormatList} weights: convert the tensor (llmlab quantize, --quant) or use --device cpu");
        // Block matrices share an allocation when they share a format (one fused kernel reads them); a mix (Q4_K_M's
        // Q4_K q/k with a Q6_K v) is placed one weight at a time, and their products run separately.
        if (tensors[0].Format.IsQuantized() && tensors.All(t => t.Format == tensors[0].Format)) return LoadQuantizedGroup(tensors);
        if (!tensors.All(t => t.Format.IsFloat()))
        {
            var single = new List<DeviceWeight>(tensors.Count);
            try
            {
                foreach (var t in tensors) single.Add(LoadWeight(t));
                return single;
            }
            catch
            {
                foreach (var w in single) w.Dispose();
                throw;
            }
        }
        int elementBytes = ActivationType.SizeOf();
        long total = tensors.Sum(t => t.Shape[0] * t.Shape[1]) * elementBytes;
        MakeCurrent();
        var buffer = _allocator.Allocate(total, MemoryCategory.Weights);
        var shared = new SharedDeviceBuffer(buffer, tensors.Count);
        var loaded = new List<DeviceWeight>(tensors.Count);
        try
        {
            _upload ??= new HostToDeviceCopier(this);
            ulong at = buffer.Pointer;
            foreach (var t in tensors)
            {
                long elements = t.Shape[0] * t.Shape[1];
                _upload.Copy(t.Data, t.Format.ElementType()!.Value, ActivationType, elements, at);
                loaded.Add(new CudaWeight(t.Name, ActivationType, checked((int)t.Shape[0]), checked((int)cols), shared, at));
                at += (ulong)(elements * elementBytes);
            }
            return loaded;
        }
        catch
        {
            // Every owner releases once: those made, and a release for each weight that was not.
            foreach (var w in loaded) w.Dispose();
            for (int i = loaded.Count; i < tensors.Count; i++) shared.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public KvCache AllocateKvCache(KvCacheShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        // The kernels read K and V in the compute type, or in the Q8_0, Q4_0 and FP8 layouts of attention.cuh; another
        // float type would be one more variant of every kernel for no saving over those.
        var computeFormat = TensorFormats.FromDType(ActivationType);
        var format = shape.Type.Format(computeFormat);
        int kernelFormat = KvKernelFormat(format, computeFormat);
        if (kernelFormat < 0)
            throw new InvalidOptionException($"--kv-type {shape.Type.Name()} stores K and V as {format}, but this CUDA backend computes in {ActivationType}: " +
                                             $"use the default ({ActivationType.ToString().ToLowerInvariant()}), q8_0, q4_0 or fp8, or --device cpu");
        int vector = 16 / ActivationType.SizeOf();
        if (shape.HeadDim % vector != 0 || shape.HeadDim > MaxHeadDim)
            throw new InvalidConfigException($"head_dim {shape.HeadDim} is not supported by the CUDA attention kernels: it must be a multiple of {vector} up to {MaxHeadDim}");
        // BytesPerLayer is the planner's arithmetic (KvCacheTypes.RowBytes); it refuses a block type whose 32-element
        // blocks do not tile a head, before anything is compiled or allocated.
        long layerBytes = shape.BytesPerLayer(computeFormat);
        long bytes = 2L * shape.Layers * layerBytes;
        long perToken = 2L * shape.Layers * KvCacheTypes.RowBytes(format, shape.KvHeads, shape.HeadDim);
        MakeCurrent();
        var (free, total) = DeviceAllocator.DriverMemory();
        MemoryFit.Check(Device, new MemoryPlan(0, bytes, 0, perToken), free, total, Memory);
        LoadAttention(shape.HeadDim, kernelFormat);
        return new CudaKvCache(shape, format, kernelFormat, _allocator);
    }

    /// <inheritdoc />
    public RopeTable CreateRopeTable(RopeSpec rope, int maxPositions)
    {
        // GGUF llama checkpoints need interleaved pairs (2i, 2i+1); rope.cu rotates rotate-half pairs only, so
        // refuse rather than produce wrong logits. The CPU backend implements both.
        if (rope.Interleaved)
            throw new InvalidOptionException("the CUDA backend rotates rotate-half RoPE pairs only; this model (a GGUF llama checkpoint) needs interleaved pairs — run it on the CPU backend for now");
        // The tables the CPU rotates with (RopeSpec.Tables), uploaded, so both backends rotate identically.
        var (cos, sin) = rope.Tables(maxPositions);
        int headDim = rope.HeadDim;
        MakeCurrent();
        var cosBuffer = UploadFloats(cos, MemoryCategory.Other);
        try
        {
            return new CudaRopeTable(headDim, maxPositions, cosBuffer, UploadFloats(sin, MemoryCategory.Other));
        }
        catch
        {
            cosBuffer.Dispose();
            throw;
        }
    }

    private DeviceBuffer UploadFloats(float[] values, MemoryCategory category)
    {
        var buffer = _allocator.Allocate((long)values.Length * sizeof(float), category);
        _upload ??= new HostToDeviceCopier(this);
        fixed (float* p = values) _upload.Copy((byte*)p, DType.F32, DType.F32, values.Length, buffer.Pointer);
        _upload.Finish(); // the managed array may move once fixed ends
        return buffer;
    }
}
