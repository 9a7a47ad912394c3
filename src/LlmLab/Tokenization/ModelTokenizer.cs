namespace LlmLab.Tokenization;

/// <summary>The tokenizer of a Hugging Face model folder: its <c>tokenizer.json</c>, beside the weights.</summary>
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
            : throw new InvalidCheckpointException($"{modelDirectory} has no {FileName}; copy the model's {FileName} there (random checkpoints from make-random have none: benchmark those instead)");
    }

    /// <summary>Loads the tokenizer of <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="InvalidCheckpointException">The folder has no tokenizer.json.</exception>
    /// <exception cref="InvalidTokenizerException">The file is not a tokenizer LlmLab reads.</exception>
    public static Tokenizer Load(string modelDirectory) => Tokenizer.FromFile(PathIn(modelDirectory));
}
