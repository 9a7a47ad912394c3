namespace LlmLab.Reproducibility;

/// <summary>One checkpoint file and its SHA-256, as the Hugging Face hub lists it for an LFS file.</summary>
/// <param name="Name">The file's name relative to the model folder (or its own name for a single file), with '/' separators.</param>
/// <param name="Bytes">The file's length in bytes when it was hashed.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes (64 characters).</param>
public sealed record FileHash(string Name, long Bytes, string Sha256);
