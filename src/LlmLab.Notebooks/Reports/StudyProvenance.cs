using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Reports;

/// <summary>
/// What a study ran on and with: the machine and software (<see cref="EnvironmentFingerprint"/>) and every model it
/// loaded with the SHA-256 of its weight files. Written into the executed notebook's metadata (key
/// <see cref="MetadataKey"/>) and the HTML report's header.
/// </summary>
/// <param name="Environment">The machine and software the cells ran on.</param>
/// <param name="Models">The models the study loaded, each once, in the order first loaded.</param>
public sealed record StudyProvenance(EnvironmentFingerprint Environment, IReadOnlyList<ModelFingerprint> Models)
{
    /// <summary>Notebook metadata key holding <c>{"environment": …, "models": […]}</c>.</summary>
    public const string MetadataKey = "llmlab";

    /// <summary>
    /// The provenance of an executed notebook: <paramref name="environment"/>, and the models found in its outputs
    /// (each <c>#!llm-load</c> displays a <see cref="ModelFingerprint"/>, carried as <see cref="ModelFingerprint.MimeType"/>),
    /// so it works wherever the cells ran — in this process or in a kernel.
    /// </summary>
    public static StudyProvenance Of(NotebookDocument document, EnvironmentFingerprint environment) => Of(document, environment, []);

    /// <summary>
    /// As <see cref="Of(NotebookDocument, EnvironmentFingerprint)"/>, plus the models at <paramref name="loadedPaths"/>
    /// (those the run's cells loaded in this process, from <see cref="LoadedCheckpoints"/>, e.g. by C# code rather than a
    /// magic), hashed now through the cache; a path that is gone or unreadable by then is left out.
    /// </summary>
    public static StudyProvenance Of(NotebookDocument document, EnvironmentFingerprint environment, IReadOnlyList<string> loadedPaths)
    {
        ArgumentNullException.ThrowIfNull(document);
        var models = new List<ModelFingerprint>();
        foreach (var output in document.Cells.SelectMany(c => c.Outputs).OfType<DisplayDataOutput>())
        {
            if (!output.Data.TryGetValue(ModelFingerprint.MimeType, out var json)) continue;
            ModelFingerprint? model;
            try
            {
                model = JsonSerializer.Deserialize<ModelFingerprint>(json, EnvironmentFingerprint.JsonOptions);
            }
            catch (JsonException)
            {
                continue; // An output edited by hand is not evidence of what was loaded; leave it out.
            }

            if (model is { Path: not null, Files: not null } && !models.Any(m => m.Path == model.Path && m.Files.SequenceEqual(model.Files)))
                models.Add(model);
        }

        foreach (var path in loadedPaths.Where(p => models.All(m => m.Path != p)))
        {
            try
            {
                models.Add(ModelFingerprint.Of(path));
            }
            catch (Exception e) when (e is LlmLabException or IOException or UnauthorizedAccessException)
            {
                // A temporary checkpoint the study deleted: nothing left to hash, and no reason to fail the run's output.
            }
        }

        return new StudyProvenance(environment, models);
    }

    /// <summary>The document with this provenance in its notebook metadata under <see cref="MetadataKey"/> (replacing an older one).</summary>
    public NotebookDocument AddTo(NotebookDocument document)
    {
        var metadata = document.ExtraMetadata?.DeepClone().AsObject() ?? new JsonObject();
        metadata[MetadataKey] = ToJson();
        return document with { ExtraMetadata = metadata };
    }

    /// <summary><c>{"environment": {...}, "models": [{"path": …, "files": [{"name", "bytes", "sha256"}]}]}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["environment"] = JsonSerializer.SerializeToNode(Environment, EnvironmentFingerprint.JsonOptions),
        ["models"] = JsonSerializer.SerializeToNode(Models, EnvironmentFingerprint.JsonOptions),
    };
}
