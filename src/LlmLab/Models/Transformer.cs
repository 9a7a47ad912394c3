using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) on one backend. The forward pass is written
/// once, here, over <see cref="IBackend"/>; architectures differ only in config quirks (biases,
/// q/k norm, tied head, RoPE scaling) read by their <see cref="IArchitecture"/> file.
/// </summary>
public sealed class Transformer : IDisposable
{
    private readonly ModelFiles _files;

    private Transformer(ModelFiles files, ModelWeights weights, IBackend backend)
    {
        _files = files;
        Weights = weights;
        Backend = backend;
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
    /// <summary>Weights on <see cref="Backend"/>.</summary>
    public ModelWeights Weights { get; }
    /// <summary>Where the model runs.</summary>
    public IBackend Backend { get; }

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
    internal static Transformer Load(ModelFiles files, IBackend backend)
    {
        CheckFormats(files.Manifest, backend.Device, backend.Supports);
        // Every load goes through here (CLI, magics, C# cells), so a study's report can hash each model it used.
        Reproducibility.LoadedCheckpoints.Record(files.Path);
        return new(files, ModelWeights.Load(files.Config, files.Names, files.Checkpoint, backend), backend);
    }

    /// <summary>
    /// Asks the backend, through <see cref="IBackend.Supports"/>, whether it reads every weight's storage format, before
    /// anything is placed on the device: a format it lacks is refused here with every format and one tensor of each
    /// named, rather than at the first such tensor after the embedding has been uploaded. Backends keep a guard in <c>LoadWeight</c> for callers that place weights themselves.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A weight is stored in a format the backend cannot compute with.</exception>
    internal static void CheckFormats(TensorManifest manifest, string device, Func<BackendOp, TensorFormat, bool> supports)
    {
        var missing = manifest.Weights
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

    /// <summary>Run state for <paramref name="batch"/> sequences of up to <paramref name="maxSequence"/> tokens.</summary>
    public InferenceSession CreateSession(int batch, int maxSequence, int maxTokensPerStep = InferenceSession.DefaultChunk) =>
        new(this, batch, maxSequence, maxTokensPerStep);

    /// <summary>
    /// One step of the decoder for the tokens already written to <paramref name="s"/>'s id and
    /// position buffers. Leaves the final hidden states (normed) in s.Normed and, per
    /// <paramref name="logitsFor"/>, logits in s.Logits.
    /// </summary>
    internal void Forward(InferenceSession s, StepLayout step, LogitsFor logitsFor)
    {
        var c = Config;
        var be = Backend;
        var t = s.BuffersFor(step.Rows);             // views of the session's buffers with step.Rows rows
        var (x, h) = (t.Residual, t.Normed);         // (rows, hidden): residual stream, normed block input
        be.Embedding(t.Ids, Weights.Embedding, x);
        be.RmsNorm(x, Weights.Layers[0].AttentionNorm, c.RmsNormEps, h);
        for (int l = 0; l < c.NumLayers; l++)
        {
            var w = Weights.Layers[l];
            // Attention: q,k,v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ (+ bias); per-head q/k norm (Qwen3); RoPE; cache k,v.
            be.MatMul(h, w.Query, w.QueryBias, t.Q);
            be.MatMul(h, w.Key, w.KeyBias, t.K);
            be.MatMul(h, w.Value, w.ValueBias, t.V);
            if (w.QueryNorm is not null && w.KeyNorm is not null)
            {
                be.RmsNorm(t.Q, w.QueryNorm, c.RmsNormEps, t.Q);
                be.RmsNorm(t.K, w.KeyNorm, c.RmsNormEps, t.K);
            }
            be.RopeAndCache(t.Q, t.K, t.V, s.Rope, step, s.Cache, l);
            // softmax(q·kᵀ/√d + causal mask)·v over the cache, then the output projection.
            be.Attention(t.Q, s.Cache, l, step, t.AttentionOut);
            be.MatMul(t.AttentionOut, w.Output, w.OutputBias, t.Projected);
            // x += attention; h = RMSNorm(x) for the MLP.
            be.AddRmsNorm(x, t.Projected, w.MlpNorm, c.RmsNormEps, h);
            // MLP: down(silu(gate(h)) · up(h)).
            be.MatMul(h, w.Gate, null, t.Gate);
            be.MatMul(h, w.Up, null, t.Up);
            be.SwiGlu(t.Gate, t.Up, t.Gate);
            be.MatMul(t.Gate, w.Down, null, t.Projected);
            // x += mlp; h = RMSNorm(x) with the next layer's norm, or the final norm after the last layer.
            var nextNorm = l + 1 < c.NumLayers ? Weights.Layers[l + 1].AttentionNorm : Weights.FinalNorm;
            be.AddRmsNorm(x, t.Projected, nextNorm, c.RmsNormEps, h);
        }
        // Logits = h·W_headᵀ for every position, or only for the last position of each sequence.
        if (logitsFor == LogitsFor.AllPositions)
            be.MatMul(h, Weights.OutputHead, null, t.Logits);
        else if (logitsFor == LogitsFor.LastPosition)
        {
            be.LastRows(h, step, s.LastHidden);
            be.MatMul(s.LastHidden, Weights.OutputHead, null, s.LastLogits);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Weights.Dispose();
        _files.Dispose();
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
