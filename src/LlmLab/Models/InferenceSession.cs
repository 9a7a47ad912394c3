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
    private readonly IReadOnlyList<ModelStage> _stages;
    private readonly Dictionary<IBackend, DeviceBuffers> _devices = new(ReferenceEqualityComparer.Instance);
    private readonly DeviceBuffers _first, _last;   // where ids are read (the embedding) and where tokens are chosen (the head)
    private readonly Dictionary<(int Stage, int Rows, LogitsFor Mode), CapturedGraph> _graphs = [];   // decode steps, on IGraphCapture backends
    private float[] _crossing = [];                 // host staging of the residual stream between stages without a peer copy
    private long _crossings, _crossingBytes, _crossingTicks;

    internal InferenceSession(Transformer model, int batch, int maxSequence, int maxTokensPerStep, KvCacheType kvType)
    {
        var c = model.Config;
        if (batch < 1 || batch > 4096) throw new InvalidOptionException($"batch size {batch} must be between 1 and 4096");
        if (maxSequence < 1 || maxSequence > c.MaxPositionEmbeddings)
            throw new InvalidOptionException($"context of {maxSequence} tokens must be between 1 and the model's max_position_embeddings ({c.MaxPositionEmbeddings})");
        _model = model;
        _stages = model.Stages;
        Batch = batch;
        MaxSequence = maxSequence;
        MaxTokensPerStep = Math.Clamp(maxTokensPerStep, 1, maxSequence);
        KvType = kvType;
        try
        {
            foreach (var backend in model.Backends)
            {
                // The layers whose KV cache this backend holds: those of its stages, or every one on the KV backend.
                var here = Enumerable.Range(0, c.NumLayers)
                    .Select(l => _stages.Any(s => ReferenceEquals(model.KvBackendOf(s), backend) && l >= s.FirstLayer && l < s.EndLayer)).ToArray();
                _devices[backend] = new DeviceBuffers(backend, c, batch, maxSequence, MaxTokensPerStep, here, kvType);
            }
        }
        catch
        {
            foreach (var d in _devices.Values) d.Dispose();
            throw;
        }
        _first = _devices[_stages[0].Backend];
        _last = _devices[_stages[^1].Backend];
    }

    /// <summary>Sequences in the batch.</summary>
    public int Batch { get; }
    /// <summary>Context capacity per sequence.</summary>
    public int MaxSequence { get; }
    /// <summary>Largest number of tokens per sequence processed in one step.</summary>
    public int MaxTokensPerStep { get; }
    /// <summary>How the KV cache stores K and V (<see cref="KvCacheType.Default"/>: each backend's own type).</summary>
    public KvCacheType KvType { get; }
    /// <summary>Tokens per sequence already in the cache.</summary>
    public int Position { get; private set; }
    /// <summary>The model this session runs.</summary>
    public Transformer Model => _model;

    /// <summary>Logits of the last position of each sequence after <see cref="Step"/> ([batch, vocab], F32, on the head's device).</summary>
    public DeviceTensor LastLogits => _last.LastLogits;
    /// <summary>
    /// Where the token chosen for each sequence goes on the head's device ([batch, 1] I32): the ids the next decode step
    /// reads, so <see cref="StepChosen"/> can run before the host has read the tokens back.
    /// </summary>
    public DeviceTensor NextTokens => _last.NextTokens;

    /// <summary>
    /// Activations moved between devices so far (zero for a model on one device): how many, their bytes, and the time from
    /// the sending device having finished its work to the copy being done (through the host) or queued (a peer copy). A
    /// decode step of a map with S stages moves the residual stream S − 1 times; with the KV caches on the CPU
    /// (<c>--kv-offload none</c>) each layer on another device also moves q, k and v there and the attention output back.
    /// </summary>
    public ResidualCrossings Crossings => new(_crossings, _crossingBytes, _crossingTicks * 1000.0 / System.Diagnostics.Stopwatch.Frequency);

    /// <summary>This session's buffers on <paramref name="backend"/>.</summary>
    internal DeviceBuffers Buffers(IBackend backend) => _devices[backend];

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
            for (int b = 0; b < Batch; b++)
                for (int i = 0; i < chunk; i++)
                    ids[b * chunk + i] = tokens[b * n + start + i];
            int rows = Batch * chunk;
            _stages[0].Backend.Write(_first.For(rows).Ids, ids);
            var mode = last ? logitsFor : LogitsFor.None;
            Run(chunk, mode);
            Position += chunk;
            logits = mode switch { LogitsFor.AllPositions => _last.For(rows).Logits, LogitsFor.LastPosition => LastLogits, _ => null };
        }
        return logits;
    }

    /// <summary>
    /// A decode step on the tokens the device chose into <see cref="NextTokens"/> (argmax or sampling of the previous
    /// step's logits), queued without the host knowing them: the generation loop queues step n + 1 before it reads the
    /// token step n chose, so the device does not wait for the host between steps. Returns the last-position logits.
    /// When the head and the embedding are on different devices the ids cross to the embedding's first (a wait).
    /// </summary>
    public DeviceTensor StepChosen()
    {
        if (Position + 1 > MaxSequence)
            throw new InvalidOptionException($"{Position + 1} tokens exceed the session's context of {MaxSequence}; create the session with a larger context");
        if (!ReferenceEquals(_first, _last))
        {
            var ids = new int[Batch];
            _stages[^1].Backend.Read(_last.NextTokens, ids);
            _stages[0].Backend.Write(_first.NextTokens, ids);
        }
        Run(1, LogitsFor.LastPosition);
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
    /// One forward step of <paramref name="chunk"/> tokens per sequence at <see cref="Position"/>, ids already written:
    /// positions to every device, then each stage in order, the residual stream moved across every boundary.
    /// </summary>
    private void Run(int chunk, LogitsFor mode)
    {
        int rows = Batch * chunk;
        var positions = new int[rows];
        for (int b = 0; b < Batch; b++)
            for (int i = 0; i < chunk; i++)
                positions[b * chunk + i] = Position + i;
        foreach (var (backend, buffers) in _devices) backend.Write(buffers.For(rows).Positions, positions);
        for (int i = 0; i < _stages.Count; i++)
        {
            var stage = _stages[i];
            if (i > 0) MoveResidual(_stages[i - 1].Backend, stage.Backend, rows);
            var step = new StepLayout(Batch, chunk, Position, _devices[stage.Backend].For(rows).Positions);
            var stageMode = stage.HasOutput ? mode : LogitsFor.None;
            // A stage whose attention runs on another backend crosses to it inside every layer: no graph holds that.
            bool capturable = stage.Backend is IGraphCapture && (!stage.HasLayers || ReferenceEquals(_model.KvBackendOf(stage), stage.Backend));
            if (chunk == 1 && capturable) ForwardCaptured((IGraphCapture)stage.Backend, i, step, stageMode);
            else _model.Forward(this, stage, step, stageMode);
        }
    }

    /// <summary>Copies the residual stream ([rows, hidden]) from one stage's device to the next (<see cref="Cross"/>).</summary>
    private void MoveResidual(IBackend from, IBackend to, int rows)
    {
        var (source, destination) = (_devices[from].For(rows).Residual, _devices[to].For(rows).Residual);
        if (!ReferenceEquals(source, destination)) Cross(from, source, to, destination);
    }

    /// <summary>
    /// Copies <paramref name="source"/> on <paramref name="from"/> to <paramref name="destination"/> (same shape) on
    /// <paramref name="to"/>: device to device where the receiving backend can (<see cref="IPeerCopy"/>), otherwise
    /// through the host, converted to fp32 and back. Counted in <see cref="Crossings"/>.
    /// </summary>
    internal void Cross(IBackend from, DeviceTensor source, IBackend to, DeviceTensor destination)
    {
        from.Synchronize();   // the sending stage's work is done: what follows is the crossing alone
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (to is not IPeerCopy peer || !peer.TryCopyFrom(from, source, destination))
        {
            int length = checked((int)source.Length);
            if (_crossing.Length < length) _crossing = new float[length];
            var host = _crossing.AsSpan(0, length);
            from.Read(source, host);
            to.Write(destination, host);
        }
        _crossingTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        _crossings++;
        _crossingBytes += source.Bytes;
    }

    /// <summary>
    /// A stage's decode step (one token per sequence) recorded as a graph on first use and replayed afterwards: its shapes
    /// repeat and the backend reads ids and positions on the device, so only the Writes before it change.
    /// </summary>
    private void ForwardCaptured(IGraphCapture capture, int stageIndex, StepLayout step, LogitsFor mode)
    {
        var stage = _stages[stageIndex];
        if (!_graphs.TryGetValue((stageIndex, step.Rows, mode), out var graph))
        {
            capture.BeginCapture();
            try
            {
                _model.Forward(this, stage, step, mode);
            }
            catch
            {
                try { capture.EndCapture().Dispose(); }
                catch (Exception) { /* the capture is already broken; the error being thrown is the one to report */ }
                throw;
            }
            graph = capture.EndCapture();
            _graphs[(stageIndex, step.Rows, mode)] = graph;
        }
        graph.Replay();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in _graphs.Values) g.Dispose();
        foreach (var d in _devices.Values) d.Dispose();
    }
}
