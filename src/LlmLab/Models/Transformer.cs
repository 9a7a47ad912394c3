using LlmLab.Backends;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) on one backend, or spread over several by a
/// <see cref="DeviceMap"/>. The forward pass is written once, here, over <see cref="IBackend"/>; architectures differ only in config quirks (biases,
/// q/k norm, tied head, RoPE scaling) read by their <see cref="IArchitecture"/> file. Where a backend may run several
/// ops as one kernel, the forward pass calls that fused op by name (<see cref="IBackend.QkvRopeAndCache"/>,
/// <see cref="IBackend.GateUpSwiGlu"/>); nothing depends on the order of the plain ops.
/// </summary>
public sealed class Transformer : IDisposable
{
    private readonly ModelFiles _files;
    private readonly IReadOnlyList<IBackend> _owned;

    private Transformer(ModelFiles files, ModelWeights weights, DeviceMap map, IReadOnlyList<ModelStage> stages, IBackend? kvBackend, IReadOnlyList<IBackend> owned)
    {
        _files = files;
        Weights = weights;
        Map = map;
        Stages = stages;
        KvBackend = kvBackend;
        Backends = stages.Select(s => s.Backend).Append(kvBackend).OfType<IBackend>().Distinct(ReferenceEqualityComparer.Instance).Cast<IBackend>().ToArray();
        _owned = owned;
    }

    /// <summary>The model folder or GGUF file.</summary>
    public string ModelPath => _files.Path;
    /// <summary>The opened files (config, checkpoint, manifest).</summary>
    internal ModelFiles Files => _files;
    /// <summary>Hyperparameters.</summary>
    public ModelConfig Config => _files.Config;
    /// <summary>Stop tokens and sampling defaults (generation_config.json or GGUF metadata).</summary>
    public GenerationConfig Generation => _files.Generation;
    /// <summary>Every weight as stored (after <c>--quant</c>, if given): role, format, shape, bytes.</summary>
    public TensorManifest Manifest => _files.Manifest;
    /// <summary>The quantization mix applied at load time, or null.</summary>
    public QuantizationMix? Quantization => (_files.Checkpoint as QuantizedCheckpoint)?.Mix;
    /// <summary>Weights, each on the backend its part of the model is placed on.</summary>
    public ModelWeights Weights { get; }
    /// <summary>
    /// Where the output head runs and tokens are chosen: the model's only backend, or the last stage's when a
    /// <see cref="DeviceMap"/> spreads it over several.
    /// </summary>
    public IBackend Backend => Stages[^1].Backend;
    /// <summary>Every backend the model runs on, in the order a token meets them (then the KV caches' CPU backend, with <see cref="DeviceMap.KvCacheOnCpu"/>).</summary>
    public IReadOnlyList<IBackend> Backends { get; }

    /// <summary>
    /// The CPU backend holding every layer's KV cache when <see cref="DeviceMap.KvCacheOnCpu"/> (<c>--kv-offload none</c>):
    /// RoPE, the cache write and attention of layers on other backends run there. Null: each KV cache is with its layer.
    /// </summary>
    internal IBackend? KvBackend { get; }

    /// <summary>
    /// Activations a decode step moves between devices: the residual stream at each stage boundary, and with the KV caches
    /// on the CPU q, k, v and the attention output of every layer on another backend.
    /// </summary>
    internal int CrossingsPerStep => Stages.Count - 1 +
        (KvBackend is null ? 0 : 4 * Stages.Where(s => !ReferenceEquals(s.Backend, KvBackend)).Sum(s => s.EndLayer - s.FirstLayer));

    /// <summary>The backend that holds <paramref name="stage"/>'s KV caches and runs its attention.</summary>
    internal IBackend KvBackendOf(ModelStage stage) => KvBackend ?? stage.Backend;
    /// <summary>Which device holds each part (one device for everything unless loaded with a map).</summary>
    public DeviceMap Map { get; }
    /// <summary>The map's runs of parts on one backend, in order.</summary>
    internal IReadOnlyList<ModelStage> Stages { get; }

    /// <summary>The backend holding the parts <see cref="Map"/> places on <paramref name="device"/> (or, for <c>cpu</c>, the KV caches).</summary>
    /// <exception cref="ArgumentException">The map places nothing on <paramref name="device"/>.</exception>
    public IBackend BackendOf(string device) => Stages.FirstOrDefault(s => s.Device == device)?.Backend
        ?? (device == "cpu" ? KvBackend : null)
        ?? throw new ArgumentException($"the model's device map ({Map.Describe()}) places nothing on {device}", nameof(device));

    /// <summary>End-of-sequence ids from config.json and generation_config.json.</summary>
    public IReadOnlyList<int> EosTokenIds => Config.EosTokenIds.Concat(Generation.EosTokenIds).Distinct().ToArray();

    /// <summary>
    /// Loads a Hugging Face model folder or a GGUF file onto <paramref name="backend"/> (validating config, files and
    /// shapes first); with <paramref name="quant"/>, weights are converted by that mix as they are loaded.
    /// </summary>
    public static Transformer Load(string path, IBackend backend, QuantizationMix? quant = null)
    {
        var files = ModelFiles.Open(path, quant);
        try
        {
            return Load(files, backend);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Places the weights of opened <paramref name="files"/> on <paramref name="backend"/>; the transformer then owns the
    /// files (on failure the caller still does).
    /// </summary>
    internal static Transformer Load(ModelFiles files, IBackend backend) =>
        Load(files, DeviceMap.OnDevice(backend.Device, files.Config.NumLayers), new Dictionary<string, IBackend> { [backend.Device] = backend }, owned: []);

    /// <summary>
    /// Loads a Hugging Face model folder or a GGUF file with each part on the backend <paramref name="map"/> names for it
    /// (<paramref name="backends"/>: device name → backend, one entry per device of the map). The forward pass runs the
    /// map's stages in order and moves the residual stream between them; the caller keeps the backends.
    /// </summary>
    /// <exception cref="InvalidOptionException">The map does not cover the model's layers, or names a device with no backend.</exception>
    public static Transformer Load(string path, DeviceMap map, IReadOnlyDictionary<string, IBackend> backends, QuantizationMix? quant = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(backends);
        var files = ModelFiles.Open(path, quant);
        try
        {
            return Load(files, map, backends, owned: []);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Places the weights of opened <paramref name="files"/> per <paramref name="map"/>; the transformer then owns the files
    /// and the backends in <paramref name="owned"/> (on failure the caller still does).
    /// </summary>
    internal static Transformer Load(ModelFiles files, DeviceMap map, IReadOnlyDictionary<string, IBackend> backends, IReadOnlyList<IBackend> owned)
    {
        if (map.Layers.Count != files.Config.NumLayers)
            throw new InvalidOptionException($"the device map places {map.Layers.Count} layers but {Path.GetFileName(files.Path)} has {files.Config.NumLayers}");
        var stages = ModelStage.Of(map, backends);
        foreach (var stage in stages)
            CheckFormats(files.Manifest.Weights.Where(w => OnStage(w, stage, files.Config.TieWordEmbeddings)), stage.Backend.Device, stage.Backend.Supports);
        // Every load goes through here (CLI, magics, C# cells), so a study's report can hash each model it used.
        Reproducibility.LoadedCheckpoints.Record(files.Path);
        IBackend? kvBackend = null;
        if (map.KvCacheOnCpu && !backends.TryGetValue("cpu", out kvBackend))
            throw new InvalidOptionException("the device map keeps every KV cache on the CPU (--kv-offload none), which has no backend here");
        var weights = ModelWeights.Load(files.Config, files.Names, files.Checkpoint,
            part => (part.Layer is int l ? stages.First(s => l >= s.FirstLayer && l < s.EndLayer)
                : part.IsOutput ? stages[^1] : stages[0]).Backend);
        return new(files, weights, map, stages, kvBackend, owned);
    }

    // Whether a stage holds the weight: its layer's, the embedding table on the first stage, the norm and head on the last
    // (a tied head is the table again there).
    private static bool OnStage(ManifestEntry w, ModelStage stage, bool tied) => w.Role switch
    {
        TensorRole.Embedding => stage.HasEmbedding || (tied && stage.HasOutput),
        TensorRole.FinalNorm or TensorRole.OutputHead => stage.HasOutput,
        _ => w.Layer is int l && l >= stage.FirstLayer && l < stage.EndLayer,
    };

    /// <summary>
    /// Asks the backend, through <see cref="IBackend.Supports"/>, whether it reads every weight's storage format, before
    /// anything is placed on the device: a format it lacks is refused here with every format and one tensor of each
    /// named, rather than at the first such tensor after the embedding has been uploaded. Backends keep a guard in <c>LoadWeight</c> for callers that place weights themselves.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A weight is stored in a format the backend cannot compute with.</exception>
    internal static void CheckFormats(IEnumerable<ManifestEntry> weights, string device, Func<BackendOp, TensorFormat, bool> supports)
    {
        var missing = weights
            .Where(w => !supports(OpReading(w), w.Format))
            .GroupBy(w => w.Format)
            .Select(g => $"{g.Key} ({g.Count()} tensors, e.g. '{g.First().Name}')")
            .ToArray();
        if (missing.Length > 0)
            throw new InvalidCheckpointException($"the {device} backend has no kernels for {string.Join(", ", missing)}; " +
                "load the model on --device cpu, or in a float format (an F16/BF16 checkpoint, or --quant F16/BF16)");
    }

    /// <summary>The op family that reads a weight: the embedding gather, the norms (which also stand for the bias adds: vectors read in fp32), or a product.</summary>
    private static BackendOp OpReading(ManifestEntry weight) => weight.Role switch
    {
        TensorRole.Embedding => BackendOp.Embedding,
        _ when weight.Shape.Length == 1 => BackendOp.RmsNorm,
        _ => BackendOp.MatMul,
    };

    /// <summary>Loads a model folder's weights with <paramref name="config"/> in place of its config.json (tests of GGUF configs on HF folders).</summary>
    internal static Transformer Load(string directory, ModelConfig config, IBackend backend)
    {
        var files = ModelFiles.OpenFolder(directory, config);
        try
        {
            return Load(files, backend);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How sessions store their KV cache unless <see cref="CreateSession"/> is told otherwise: set at load time (the commands'
    /// and <c>#!llm-load</c>'s <c>--kv-type</c>); <see cref="KvCacheType.Default"/> is each backend's own type.
    /// </summary>
    public KvCacheType KvType { get; internal set; }

    /// <summary>
    /// Run state for <paramref name="batch"/> sequences of up to <paramref name="maxSequence"/> tokens, with the KV cache
    /// stored as <paramref name="kvType"/> (null: <see cref="KvType"/>).
    /// </summary>
    /// <exception cref="InvalidOptionException">A KV type a backend does not store, or a block type and a head_dim that is not a multiple of its block.</exception>
    public InferenceSession CreateSession(int batch, int maxSequence, int maxTokensPerStep = InferenceSession.DefaultChunk, KvCacheType? kvType = null) =>
        new(this, batch, maxSequence, maxTokensPerStep, kvType ?? KvType);

    /// <summary>
    /// <paramref name="stage"/>'s part of one step of the decoder, for the tokens already written to
    /// <paramref name="s"/>'s id and position buffers (the first stage) or the residual stream moved in from the stage
    /// before. A stage that hands on leaves the residual stream in its buffer; the last leaves the final hidden states
    /// (normed) and, per <paramref name="logitsFor"/>, the logits.
    /// </summary>
    internal void Forward(InferenceSession s, ModelStage stage, StepLayout step, LogitsFor logitsFor)
    {
        var c = Config;
        var be = stage.Backend;
        var d = s.Buffers(be);
        var t = d.For(step.Rows);                    // views of this device's buffers with step.Rows rows
        var (x, h) = (t.Residual, t.Normed);         // (rows, hidden): residual stream, normed block input
        if (stage.HasEmbedding) be.Embedding(t.Ids, Weights.Embedding, x);
        if (stage.HasLayers) be.RmsNorm(x, Weights.Layers[stage.FirstLayer].AttentionNorm, c.RmsNormEps, h);
        var kvBe = KvBackendOf(stage);
        for (int l = stage.FirstLayer; l < stage.EndLayer; l++)
        {
            var w = Weights.Layers[l];
            if (ReferenceEquals(kvBe, be))
            {
                var (cache, cacheLayer) = (d.Cache!, d.CacheLayer(l));
                // Attention: q,k,v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ (+ bias); per-head q/k norm (Qwen3); RoPE; cache k,v.
                be.QkvRopeAndCache(h, w.Qkv, c.RmsNormEps, d.Rope!, step, cache, cacheLayer, t.Q, t.K, t.V);
                // softmax(q·kᵀ/√d + causal mask)·v over the cache.
                be.Attention(t.Q, cache, cacheLayer, step, t.AttentionOut);
            }
            else
                OffloadedAttention(s, be, kvBe, w.Qkv, l, step, t);
            be.MatMul(t.AttentionOut, w.Output, w.OutputBias, t.Projected);
            // x += attention; h = RMSNorm(x) for the MLP.
            be.AddRmsNorm(x, t.Projected, w.MlpNorm, c.RmsNormEps, h);
            // MLP: down(silu(gate(h)) · up(h)).
            be.GateUpSwiGlu(h, w.Gate, w.Up, t.Gate, t.Up);
            be.MatMul(t.Gate, w.Down, null, t.Projected);
            // x += mlp; h = RMSNorm(x) with the next layer's norm, or the final norm after the last layer; a stage that
            // hands x on to another device only adds (the next stage norms what it receives).
            if (l + 1 < stage.EndLayer) be.AddRmsNorm(x, t.Projected, Weights.Layers[l + 1].AttentionNorm, c.RmsNormEps, h);
            else if (stage.HasOutput) be.AddRmsNorm(x, t.Projected, Weights.FinalNorm, c.RmsNormEps, h);
            else be.Add(x, t.Projected);
        }
        if (!stage.HasOutput) return;
        if (!stage.HasLayers) be.RmsNorm(x, Weights.FinalNorm, c.RmsNormEps, h);
        // Logits = h·W_headᵀ for every position, or only for the last position of each sequence.
        if (logitsFor == LogitsFor.AllPositions)
            be.MatMul(h, Weights.OutputHead, null, t.Logits);
        else if (logitsFor == LogitsFor.LastPosition)
        {
            be.LastRows(h, step, d.LastHidden);
            be.MatMul(d.LastHidden, Weights.OutputHead, null, d.LastLogits);
        }
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s attention with its KV cache on <paramref name="kvBe"/> (<c>--kv-offload none</c>):
    /// the same ops as <see cref="IBackend.QkvRopeAndCache"/> and <see cref="IBackend.Attention"/>, split where
    /// llama.cpp's -nkvo splits them: the projections and the q/k norm on the layer's backend, then q, k, v cross to
    /// the cache's backend, which applies RoPE, writes the cache and attends; the attention output crosses back.
    /// </summary>
    private void OffloadedAttention(InferenceSession s, IBackend be, IBackend kvBe, QkvWeights w, int layer, StepLayout step, StepBuffers t)
    {
        be.QkvProjection(t.Normed, w, t.Q, t.K, t.V);
        ComposedOps.QkNorm(be, w, Config.RmsNormEps, t.Q, t.K);
        var kd = s.Buffers(kvBe);
        var kt = kd.For(step.Rows);
        s.Cross(be, t.Q, kvBe, kt.Q);
        s.Cross(be, t.K, kvBe, kt.K);
        s.Cross(be, t.V, kvBe, kt.V);
        var kvStep = step with { Positions = kt.Positions };
        int cacheLayer = kd.CacheLayer(layer);
        kvBe.RopeAndCache(kt.Q, kt.K, kt.V, kd.Rope!, kvStep, kd.Cache!, cacheLayer);
        kvBe.Attention(kt.Q, kd.Cache!, cacheLayer, kvStep, kt.AttentionOut);
        s.Cross(kvBe, kt.AttentionOut, be, t.AttentionOut);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Weights.Dispose();
        _files.Dispose();
        foreach (var backend in _owned) backend.Dispose();
    }
}

/// <summary>Which logits a forward step computes.</summary>
public enum LogitsFor
{
    /// <summary>None (prefill chunks whose logits are not needed).</summary>
    None,
    /// <summary>Only the last position of each sequence (generation).</summary>
    LastPosition,
    /// <summary>Every position (perplexity, logit comparison).</summary>
    AllPositions,
}
