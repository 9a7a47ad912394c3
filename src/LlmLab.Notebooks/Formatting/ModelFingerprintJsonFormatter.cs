using System.Text.Json;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a <see cref="ModelFingerprint"/> as JSON under <see cref="ModelFingerprint.MimeType"/>, so whoever writes a
/// study's report or notebook metadata finds the models the study loaded in its outputs, in this process or from a kernel.
/// </summary>
public sealed class ModelFingerprintJsonFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => ModelFingerprint.MimeType;

    /// <inheritdoc/>
    public Type ValueType => typeof(ModelFingerprint);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is ModelFingerprint;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer) => writer.Write(JsonSerializer.Serialize((ModelFingerprint)value, EnvironmentFingerprint.JsonOptions));
}
