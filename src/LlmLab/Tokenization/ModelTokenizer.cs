namespace LlmLab.Tokenization;

/// <summary>The tokenizer of a model: a Hugging Face folder's <c>tokenizer.json</c>, or a GGUF file's <c>tokenizer.ggml.*</c> metadata.</summary>
public static class ModelTokenizer
{
    /// <summary>File name of the tokenizer in a model folder.</summary>
    public const string FileName = "tokenizer.json";

    /// <summary>The tokenizer file of <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="InvalidCheckpointException">The folder has no tokenizer.json.</exception>
    public static string PathIn(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, FileName);
        return File.Exists(path) ? path
            : throw new InvalidCheckpointException($"{modelDirectory} has no {FileName}; copy the model's {FileName} there (a folder of weights without one can still be benchmarked: llmlab bench)");
    }

    /// <summary>Loads the tokenizer of <paramref name="modelPath"/> (a model folder or a .gguf file).</summary>
    /// <exception cref="InvalidCheckpointException">The folder has no tokenizer.json, or the GGUF file is unreadable.</exception>
    /// <exception cref="InvalidTokenizerException">The tokenizer is not one LlmLab reads.</exception>
    public static Tokenizer Load(string modelPath)
    {
        if (!modelPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return Tokenizer.FromFile(PathIn(modelPath));
        using var file = Formats.GgufFile.Open(modelPath);
        return GgufTokenizer.Read(file.Metadata, modelPath);
    }
}
