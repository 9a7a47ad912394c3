using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// Run state of a <see cref="Transformer"/>: the KV cache and scratch buffers for a batch of
/// equal-length sequences, and the position the sequences have reached. Prompts longer than the
/// step size are prefilled in chunks.
/// </summary>
public sealed partial class InferenceSession : IDisposable
{
    /// <summary>Default tokens per sequence in one prefill step (bounds activation memory).</summary>
    public const int DefaultChunk = Backends.DecoderShape.DefaultPrefillChunk;

    private readonly Transformer _model;
    private readonly DeviceTensor _ids, _positions, _residual, _normed, _q, _k, _v, _attention, _projected, _gate, _up;
    private readonly Dictionary<int, StepBuffers> _views = [];
    private readonly Dictionary<(int Rows, LogitsFor Mode), CapturedGraph> _graphs = [];   // decode steps, on IGraphCapture backends
    private DeviceTensor? _allLogits;

    internal InferenceSession(Transformer model, int batch, int maxSequence, int maxTokensPerStep)
    {
        var c = model.Config;
        if (batch < 1 || batch > 4096) throw new InvalidOptionException($"batch size {batch} must be between 1 and 4096");
        if (maxSequence < 1 || maxSequence > c.MaxPositionEmbeddings)
            throw new InvalidOptionException($"context of {maxSequence} tokens must be between 1 and the model's max_position_embeddings ({c.MaxPositionEmbeddings})");
        _model = model;
        Batch = batch;
        MaxSequence = maxSequence;
        MaxTokensPerStep = Math.Clamp(maxTokensPerStep, 1, maxSequence);
        var be = model.Backend;
        var act = be.ActivationType;
        int rows = checked(batch * MaxTokensPerStep);
        _ids = be.Allocate(DType.I32, rows, 1);                    // (rows, 1) token ids
        _positions = be.Allocate(DType.I32, rows, 1);              // (rows, 1) positions
        _residual = be.Allocate(act, rows, c.HiddenSize);          // (rows, hidden)
        _normed = be.Allocate(act, rows, c.HiddenSize);            // (rows, hidden)
        _q = be.Allocate(act, rows, c.QueryDim);                   // (rows, heads·headDim)
        _k = be.Allocate(act, rows, c.KvDim);                      // (rows, kvHeads·headDim)
        _v = be.Allocate(act, rows, c.KvDim);                      // (rows, kvHeads·headDim)
        _attention = be.Allocate(act, rows, c.QueryDim);           // (rows, heads·headDim)
        _projected = be.Allocate(act, rows, c.HiddenSize);         // (rows, hidden)
        _gate = be.Allocate(act, rows, c.IntermediateSize);        // (rows, intermediate)
        _up = be.Allocate(act, rows, c.IntermediateSize);          // (rows, intermediate)
        LastHidden = be.Allocate(act, batch, c.HiddenSize);        // (batch, hidden)
        LastLogits = be.Allocate(DType.F32, batch, c.VocabSize);   // (batch, vocab)
        NextTokens = be.View(_ids, batch);                         // (batch, 1): the ids a decode step reads
        Cache = be.AllocateKvCache(new KvCacheShape(c.NumLayers, batch, maxSequence, c.NumKvHeads, c.HeadDim, c.SlidingWindow));
        Rope = be.CreateRopeTable(c.Rope.Spec(c.HeadDim), maxSequence);
    }

    /// <summary>Sequences in the batch.</summary>
    public int Batch { get; }
    /// <summary>Context capacity per sequence.</summary>
    public int MaxSequence { get; }
    /// <summary>Largest number of tokens per sequence processed in one step.</summary>
    public int MaxTokensPerStep { get; }
    /// <summary>Tokens per sequence already in the cache.</summary>
    public int Position { get; private set; }
    /// <summary>The model this session runs.</summary>
    public Transformer Model => _model;

    internal KvCache Cache { get; }
    internal RopeTable Rope { get; }
    internal DeviceTensor LastHidden { get; }
    /// <summary>Logits of the last position of each sequence after <see cref="Step"/> ([batch, vocab], F32).</summary>
    public DeviceTensor LastLogits { get; }
    /// <summary>
    /// Where the token chosen for each sequence goes on the device ([batch, 1] I32): the ids the next decode step
    /// reads, so <see cref="StepChosen"/> can run before the host has read the tokens back.
    /// </summary>
    public DeviceTensor NextTokens { get; }

    /// <summary>Forgets the cached context (the buffers are kept).</summary>
    public void Reset() => Position = 0;

    /// <summary>
    /// Appends <paramref name="tokens"/> (batch × n ids, sequence-major) to every sequence and runs the
    /// model. Returns the logits tensor asked for: all positions of the last chunk
    /// ([batch·n, vocab] when n fits one step) or the last position ([batch, vocab]).
    /// </summary>
    public DeviceTensor? Step(ReadOnlySpan<int> tokens, LogitsFor logitsFor = LogitsFor.LastPosition)
    {
        if (tokens.Length == 0 || tokens.Length % Batch != 0)
            throw new InvalidOptionException($"{tokens.Length} tokens cannot be split into {Batch} equal sequences");
        int n = tokens.Length / Batch;
        if (Position + n > MaxSequence)
            throw new InvalidOptionException($"{Position + n} tokens exceed the session's context of {MaxSequence}; create the session with a larger context");
        if (logitsFor == LogitsFor.AllPositions && n > MaxTokensPerStep)
            throw new InvalidOptionException($"logits for all {n} positions need one step; create the session with maxTokensPerStep ≥ {n}");
        DeviceTensor? logits = null;
        for (int start = 0; start < n; start += MaxTokensPerStep)
        {
            int chunk = Math.Min(MaxTokensPerStep, n - start);
            bool last = start + chunk == n;
            var ids = new int[Batch * chunk];
            var positions = new int[Batch * chunk];
            for (int b = 0; b < Batch; b++)
                for (int i = 0; i < chunk; i++)
                {
                    ids[b * chunk + i] = tokens[b * n + start + i];
                    positions[b * chunk + i] = Position + i;
                }
            var buffers = BuffersFor(Batch * chunk);
            _model.Backend.Write(buffers.Ids, ids);
            _model.Backend.Write(buffers.Positions, positions);
            var step = new StepLayout(Batch, chunk, Position, buffers.Positions);
            var mode = last ? logitsFor : LogitsFor.None;
            if (chunk == 1 && _model.Backend is IGraphCapture capture) ForwardCaptured(capture, step, mode);
            else _model.Forward(this, step, mode);
            Position += chunk;
            logits = mode switch { LogitsFor.AllPositions => buffers.Logits, LogitsFor.LastPosition => LastLogits, _ => null };
        }
        return logits;
    }

    /// <summary>
    /// A decode step on the tokens the device chose into <see cref="NextTokens"/> (argmax or sampling of the previous
    /// step's logits), queued without the host knowing them: the generation loop queues step n + 1 before it reads the
    /// token step n chose, so the device does not wait for the host between steps. Returns the last-position logits.
    /// </summary>
    public DeviceTensor StepChosen()
    {
        if (Position + 1 > MaxSequence)
            throw new InvalidOptionException($"{Position + 1} tokens exceed the session's context of {MaxSequence}; create the session with a larger context");
        var buffers = BuffersFor(Batch);
        var positions = new int[Batch];
        Array.Fill(positions, Position);
        _model.Backend.Write(buffers.Positions, positions);
        var step = new StepLayout(Batch, 1, Position, buffers.Positions);
        if (_model.Backend is IGraphCapture capture) ForwardCaptured(capture, step, LogitsFor.LastPosition);
        else _model.Forward(this, step, LogitsFor.LastPosition);
        Position += 1;
        return LastLogits;
    }

    /// <summary>Runs <paramref name="tokens"/> and copies the requested logits to the host.</summary>
    public float[] StepToHost(ReadOnlySpan<int> tokens, LogitsFor logitsFor = LogitsFor.LastPosition)
    {
        var logits = Step(tokens, logitsFor) ?? throw new ArgumentException("no logits requested", nameof(logitsFor));
        var host = new float[logits.Length];
        _model.Backend.Read(logits, host);
        return host;
    }

    /// <summary>
    /// A decode step (one token per sequence) recorded as a graph on first use and replayed afterwards: its shapes
    /// repeat and the backend reads ids and positions on the device, so only the Writes before it change.
    /// </summary>
    private void ForwardCaptured(IGraphCapture capture, StepLayout step, LogitsFor mode)
    {
        if (!_graphs.TryGetValue((step.Rows, mode), out var graph))
        {
            capture.BeginCapture();
            try
            {
                _model.Forward(this, step, mode);
            }
            catch
            {
                try { capture.EndCapture().Dispose(); }
                catch (Exception) { /* the capture is already broken; the error being thrown is the one to report */ }
                throw;
            }
            graph = capture.EndCapture();
            _graphs[(step.Rows, mode)] = graph;
        }
        graph.Replay();
    }

    internal StepBuffers BuffersFor(int rows)
    {
        if (_views.TryGetValue(rows, out var b)) return b;
        var be = _model.Backend;
        DeviceTensor V(DeviceTensor t) => be.View(t, rows);
        b = new StepBuffers(V(_ids), V(_positions), V(_residual), V(_normed), V(_q), V(_k), V(_v), V(_attention), V(_projected), V(_gate), V(_up), this, rows);
        _views[rows] = b;
        return b;
    }

    internal DeviceTensor AllLogits(int rows)
    {
        if (_allLogits is null || _allLogits.Rows < rows)
        {
            _allLogits?.Dispose();
            _allLogits = _model.Backend.Allocate(DType.F32, Batch * MaxTokensPerStep, _model.Config.VocabSize);
        }
        return _model.Backend.View(_allLogits, rows);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { _ids, _positions, _residual, _normed, _q, _k, _v, _attention, _projected, _gate, _up, LastHidden, LastLogits, NextTokens })
            t.Dispose();
        _allLogits?.Dispose();
        foreach (var g in _graphs.Values) g.Dispose();
        Cache.Dispose();
        Rope.Dispose();
    }
}

/// <summary>Views of a session's buffers with exactly one step's rows.</summary>
internal sealed record StepBuffers(
    DeviceTensor Ids, DeviceTensor Positions, DeviceTensor Residual, DeviceTensor Normed,
    DeviceTensor Q, DeviceTensor K, DeviceTensor V, DeviceTensor AttentionOut, DeviceTensor Projected,
    DeviceTensor Gate, DeviceTensor Up, InferenceSession Session, int Rows)
{
    /// <summary>Logits for every row (allocated on first use: [rows, vocab] can be large).</summary>
    public DeviceTensor Logits => Session.AllLogits(Rows);
}
