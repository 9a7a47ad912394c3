namespace LlmLab.Reproducibility;

/// <summary>One line of a verification: a weight file, its hash and the one expected.</summary>
/// <param name="Name">File name relative to the model folder.</param>
/// <param name="Status">How it compared.</param>
/// <param name="ActualSha256">The file's SHA-256; null when it is missing.</param>
/// <param name="ExpectedSha256">The expected SHA-256; null for a file no expected hash covers.</param>
public sealed record VerifiedFile(string Name, VerifiedFileStatus Status, string? ActualSha256, string? ExpectedSha256)
{
    /// <summary>One line for a terminal: <c>OK NAME HASH</c>, or what differs with both hashes.</summary>
    public string Describe() => Status switch
    {
        VerifiedFileStatus.Match => $"OK        {Name}  {ActualSha256}",
        VerifiedFileStatus.Mismatch => $"MISMATCH  {Name}  sha256 {ActualSha256}, expected {ExpectedSha256}",
        VerifiedFileStatus.Missing => $"MISSING   {Name}  expected {ExpectedSha256}, but the file is not in the model folder",
        _ => $"UNLISTED  {Name}  sha256 {ActualSha256}, which no expected hash covers",
    };
}
