using LlmLab.Formats;

namespace LlmLab.Models;

/// <summary>
/// A model on disk, opened and validated before anything is placed on a device: its config, generation defaults,
/// tensor names, checkpoint and tensor manifest — from a Hugging Face folder (config.json + safetensors) or a GGUF
/// file, optionally seen through a quantization mix (<c>--quant</c>).
/// </summary>
public sealed class ModelFiles : IDisposable
{
    private ModelFiles(string path, ModelConfig config, GenerationConfig generation, TensorNames names, ICheckpoint checkpoint)
    {
        Path = path;
        Config = config;
        Generation = generation;
        Names = names;
        Checkpoint = checkpoint;
        Manifest = TensorManifest.Build(config, names, checkpoint);
    }

    /// <summary>The model folder or GGUF file.</summary>
    public string Path { get; }
    /// <summary>Hyperparameters.</summary>
    public ModelConfig Config { get; }
    /// <summary>Stop tokens and sampling defaults.</summary>
    public GenerationConfig Generation { get; }
    /// <summary>Checkpoint names of the model's tensors.</summary>
    public TensorNames Names { get; }
    /// <summary>The tensors (converted by the quantization mix when one was given).</summary>
    public ICheckpoint Checkpoint { get; }
    /// <summary>Every weight with its role, format, shape and bytes.</summary>
    public TensorManifest Manifest { get; }

    /// <summary>True when <paramref name="path"/> names a GGUF file (by extension).</summary>
    public static bool IsGguf(string path) => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens a Hugging Face model folder or a .gguf file and validates config against tensors; with
    /// <paramref name="quant"/>, the weights are converted by that mix when first read.
    /// </summary>
    public static ModelFiles Open(string path, QuantizationMix? quant = null, bool allowRequantize = false)
    {
        path = System.IO.Path.GetFullPath(path);
        CheckIsModel(path);
        var (config, generation, names, checkpoint) = IsGguf(path) ? OpenGguf(path) : ReadFolder(path, null);
        try
        {
            if (quant is not null) checkpoint = new QuantizedCheckpoint(checkpoint, config, names, quant, allowRequantize);
            return new ModelFiles(path, config, generation, names, checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses a file inside a model folder (<c>DIR/model.safetensors</c>, <c>DIR/config.json</c>) given where a model
    /// is expected, naming the folder to pass instead; otherwise the reader would fail on it with a JSON or
    /// <c>weight_map</c> error that does not say what to do. A <c>.gguf</c> file is a whole model and passes.
    /// </summary>
    /// <exception cref="InvalidOptionException"><paramref name="path"/> is a file other than a .gguf file.</exception>
    public static void CheckIsModel(string path)
    {
        if (IsGguf(path) || !File.Exists(path)) return;
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        throw new InvalidOptionException($"{path} is a file; a Hugging Face model is its folder: pass {folder} (a .gguf file is a model on its own)");
    }

    /// <summary>A Hugging Face folder read with <paramref name="config"/> in place of its config.json.</summary>
    internal static ModelFiles OpenFolder(string directory, ModelConfig config)
    {
        var (_, generation, names, checkpoint) = ReadFolder(System.IO.Path.GetFullPath(directory), config);
        try { return new ModelFiles(System.IO.Path.GetFullPath(directory), config, generation, names, checkpoint); }
        catch { checkpoint.Dispose(); throw; }
    }

    private static (ModelConfig, GenerationConfig, TensorNames, ICheckpoint) ReadFolder(string directory, ModelConfig? given)
    {
        var config = given ?? ModelConfigReader.Read(directory);
        string generationPath = System.IO.Path.Combine(directory, "generation_config.json");
        var generation = GenerationConfig.Read(generationPath);
        foreach (int id in generation.EosTokenIds)
            if (id >= config.VocabSize)
                throw new InvalidConfigException($"{generationPath}: field 'eos_token_id' names token {id}, outside the vocabulary of {config.VocabSize}");
        return (config, generation, ModelConfigReader.Architecture(config.ModelType).Names, OpenSafetensors(directory));
    }

    // FP8 checkpoints (F8_E4M3 weights with a weight_scale) are read as FP8 rows with their scales.
    private static ICheckpoint OpenSafetensors(string directory)
    {
        var checkpoint = SafetensorsCheckpoint.Open(directory);
        try { return Fp8ScaledCheckpoint.Wrap(checkpoint); }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    // A GGUF file carries its config, stop tokens and tokenizer in its metadata; tensors use llama.cpp's blk.N.* names.
    private static (ModelConfig, GenerationConfig, TensorNames, ICheckpoint) OpenGguf(string path)
    {
        if (!File.Exists(path)) throw new InvalidCheckpointException($"{path}: no such file; pass a .gguf file or a Hugging Face model folder");
        var file = GgufFile.Open(path);
        try
        {
            var config = GgufModelConfig.Read(file.Metadata, file);
            var generation = new GenerationConfig { EosTokenIds = config.EosTokenIds, BosTokenId = config.BosTokenId };
            return (config, generation, Architectures.GgufTensorNames.Decoder, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Checkpoint.Dispose();
}
