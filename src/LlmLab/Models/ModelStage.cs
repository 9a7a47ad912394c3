using LlmLab.Backends;
using LlmLab.Planning;

namespace LlmLab.Models;

/// <summary>
/// A run of consecutive parts of the decoder — the embedding lookup, layers <see cref="FirstLayer"/> … <see cref="EndLayer"/> − 1,
/// the final norm and head — placed on one backend by a <see cref="DeviceMap"/>. The forward pass runs the stages in
/// order; the residual stream crosses from one stage to the next (<see cref="InferenceSession"/> moves it), and each
/// stage of a graph-capturing backend is captured on its own, since a copy between devices cannot sit inside a graph.
/// </summary>
/// <param name="Backend">Where the stage runs.</param>
/// <param name="HasEmbedding">The stage starts with the token lookup (the first stage only).</param>
/// <param name="FirstLayer">First decoder layer of the stage.</param>
/// <param name="EndLayer">One past the last decoder layer (equal to <paramref name="FirstLayer"/>: no layers).</param>
/// <param name="HasOutput">The stage ends with the final norm and the output head (the last stage only).</param>
internal sealed record ModelStage(IBackend Backend, bool HasEmbedding, int FirstLayer, int EndLayer, bool HasOutput)
{
    /// <summary>The stages of <paramref name="map"/>: each maximal run of parts (embedding, layers in order, output) on one device.</summary>
    /// <exception cref="InvalidOptionException">The map names a device with no backend in <paramref name="backends"/>.</exception>
    public static IReadOnlyList<ModelStage> Of(DeviceMap map, IReadOnlyDictionary<string, IBackend> backends)
    {
        IBackend On(string device) => backends.TryGetValue(device, out var b) ? b
            : throw new InvalidOptionException($"the device map places parts of the model on {device}, which has no backend here");
        var stages = new List<ModelStage>();
        var current = new ModelStage(On(map.Embedding), true, 0, 0, false);
        string device = map.Embedding;
        for (int l = 0; l < map.Layers.Count; l++)
        {
            if (map.Layers[l] != device)
            {
                stages.Add(current);
                device = map.Layers[l];
                current = new ModelStage(On(device), false, l, l, false);
            }
            current = current with { EndLayer = l + 1 };
        }
        if (map.Output != device)
        {
            stages.Add(current);
            current = new ModelStage(On(map.Output), false, map.Layers.Count, map.Layers.Count, false);
        }
        stages.Add(current with { HasOutput = true });
        return stages;
    }

    /// <summary>Whether the stage runs any decoder layer.</summary>
    public bool HasLayers => EndLayer > FirstLayer;
}
