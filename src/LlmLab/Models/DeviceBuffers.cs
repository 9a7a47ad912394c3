using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// One device's share of an <see cref="InferenceSession"/>: the step buffers (what <see cref="DecoderShape.SessionBufferBytes"/>
/// counts, on every device a model uses, as the memory planner plans them), and the KV cache and rotary table of the
/// layers placed there (none on a device that only holds the embedding or the head).
/// </summary>
internal sealed class DeviceBuffers : IDisposable
{
    private readonly IBackend _backend;
    private readonly DeviceTensor _ids, _positions, _residual, _normed, _q, _k, _v, _attention, _projected, _gate, _up;
    private readonly Dictionary<int, StepBuffers> _views = [];
    private readonly int _batch, _maxTokensPerStep, _vocab;
    private readonly int[] _cacheLayer;      // decoder layer → its index in this device's cache (−1: elsewhere)
    private DeviceTensor? _allLogits;

    public DeviceBuffers(IBackend backend, ModelConfig c, int batch, int maxSequence, int maxTokensPerStep, IReadOnlyList<bool> layersHere, KvCacheType kvType)
    {
        _backend = backend;
        (_batch, _maxTokensPerStep, _vocab) = (batch, maxTokensPerStep, c.VocabSize);
        var act = backend.ActivationType;
        int rows = checked(batch * maxTokensPerStep);
        _ids = backend.Allocate(DType.I32, rows, 1);                    // (rows, 1) token ids
        _positions = backend.Allocate(DType.I32, rows, 1);              // (rows, 1) positions
        _residual = backend.Allocate(act, rows, c.HiddenSize);          // (rows, hidden)
        _normed = backend.Allocate(act, rows, c.HiddenSize);            // (rows, hidden)
        _q = backend.Allocate(act, rows, c.QueryDim);                   // (rows, heads·headDim)
        _k = backend.Allocate(act, rows, c.KvDim);                      // (rows, kvHeads·headDim)
        _v = backend.Allocate(act, rows, c.KvDim);                      // (rows, kvHeads·headDim)
        _attention = backend.Allocate(act, rows, c.QueryDim);           // (rows, heads·headDim)
        _projected = backend.Allocate(act, rows, c.HiddenSize);         // (rows, hidden)
        _gate = backend.Allocate(act, rows, c.IntermediateSize);        // (rows, intermediate)
        _up = backend.Allocate(act, rows, c.IntermediateSize);          // (rows, intermediate)
        LastHidden = backend.Allocate(act, batch, c.HiddenSize);        // (batch, hidden)
        LastLogits = backend.Allocate(DType.F32, batch, c.VocabSize);   // (batch, vocab)
        NextTokens = backend.View(_ids, batch);                         // (batch, 1): the ids a decode step reads
        _cacheLayer = new int[layersHere.Count];
        int here = 0;
        for (int l = 0; l < layersHere.Count; l++) _cacheLayer[l] = layersHere[l] ? here++ : -1;
        if (here > 0)
        {
            Cache = backend.AllocateKvCache(new KvCacheShape(here, batch, maxSequence, c.NumKvHeads, c.HeadDim, c.SlidingWindow, kvType));
            Rope = backend.CreateRopeTable(c.Rope.Spec(c.HeadDim), maxSequence);
        }
    }

    /// <summary>The KV cache of this device's layers (null when it runs none).</summary>
    public KvCache? Cache { get; }
    /// <summary>Rotary table (null when the device runs no layer).</summary>
    public RopeTable? Rope { get; }
    /// <summary>(batch, hidden): the last position's hidden state of each sequence.</summary>
    public DeviceTensor LastHidden { get; }
    /// <summary>(batch, vocab) F32 logits of the last positions.</summary>
    public DeviceTensor LastLogits { get; }
    /// <summary>(batch, 1) I32: the ids a decode step reads.</summary>
    public DeviceTensor NextTokens { get; }

    /// <summary>The index of decoder layer <paramref name="layer"/> in <see cref="Cache"/>.</summary>
    public int CacheLayer(int layer) => _cacheLayer[layer] >= 0 ? _cacheLayer[layer]
        : throw new InvalidOperationException($"layer {layer} has no KV cache on {_backend.Device}");

    /// <summary>Views of the step buffers with exactly <paramref name="rows"/> rows.</summary>
    public StepBuffers For(int rows)
    {
        if (_views.TryGetValue(rows, out var b)) return b;
        DeviceTensor V(DeviceTensor t) => _backend.View(t, rows);
        b = new StepBuffers(V(_ids), V(_positions), V(_residual), V(_normed), V(_q), V(_k), V(_v), V(_attention), V(_projected), V(_gate), V(_up), this, rows);
        _views[rows] = b;
        return b;
    }

    /// <summary>Logits for <paramref name="rows"/> positions (allocated on first use: [rows, vocab] can be large).</summary>
    public DeviceTensor AllLogits(int rows)
    {
        if (_allLogits is null || _allLogits.Rows < rows)
        {
            _allLogits?.Dispose();
            _allLogits = _backend.Allocate(DType.F32, _batch * _maxTokensPerStep, _vocab);
        }
        return _backend.View(_allLogits, rows);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { _ids, _positions, _residual, _normed, _q, _k, _v, _attention, _projected, _gate, _up, LastHidden, LastLogits, NextTokens })
            t.Dispose();
        _allLogits?.Dispose();
        Cache?.Dispose();
        Rope?.Dispose();
    }
}

/// <summary>Views of one device's session buffers with exactly one step's rows.</summary>
internal sealed record StepBuffers(
    DeviceTensor Ids, DeviceTensor Positions, DeviceTensor Residual, DeviceTensor Normed,
    DeviceTensor Q, DeviceTensor K, DeviceTensor V, DeviceTensor AttentionOut, DeviceTensor Projected,
    DeviceTensor Gate, DeviceTensor Up, DeviceBuffers Device, int Rows)
{
    /// <summary>Logits for every row (allocated on first use: [rows, vocab] can be large).</summary>
    public DeviceTensor Logits => Device.AllLogits(Rows);
}
