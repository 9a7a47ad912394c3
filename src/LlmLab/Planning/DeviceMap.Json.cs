using System.Globalization;
using System.Text.Json;

namespace LlmLab.Planning;

// An explicit device map from a JSON file: {"embed": "cuda:0", "layers.0-15": "cuda:0", "layers.16-31": "cuda:1",
// "norm": "cuda:1", "head": "cuda:1"}.
public sealed partial record DeviceMap
{
    /// <summary>
    /// Largest map file read: 1 MiB. A map of 1,000 layers written one key per layer is about 30 KB, so anything larger
    /// is not a map; the limit keeps a wrong path (a checkpoint) from being read into memory.
    /// </summary>
    private const long MaxMapFileBytes = 1L << 20;

    /// <summary>Deepest nesting read: the map is one flat object, so anything deeper is refused early.</summary>
    private const int MaxMapDepth = 4;

    private const string EmbedKey = "embed", NormKey = "norm", HeadKey = "head", LayersPrefix = "layers.";

    /// <summary>
    /// Reads an explicit map from the JSON file <paramref name="path"/> (see <see cref="ParseJson"/>).
    /// </summary>
    /// <exception cref="InvalidOptionException">The file is missing, too large, not JSON, or not a complete map; the message names the file.</exception>
    public static DeviceMap FromJsonFile(string path, int layers, int? gpuCount)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileInfo(path);
        if (!file.Exists) throw new InvalidOptionException($"--device-map '{path}' is neither auto, balanced, balanced_low_0, sequential, a device, nor an existing JSON file");
        if (file.Length > MaxMapFileBytes)
            throw new InvalidOptionException($"{path}: {file.Length} bytes is too large for a device map (at most {MaxMapFileBytes}); give a JSON object such as {{\"embed\": \"cuda:0\", \"layers.0-31\": \"cuda:0\", \"norm\": \"cuda:0\", \"head\": \"cuda:0\"}}");
        return ParseJson(File.ReadAllText(path), path, layers, gpuCount);
    }

    /// <summary>
    /// Parses an explicit map: one JSON object whose keys are <c>embed</c> (the embedding table), <c>layers.N</c> or
    /// <c>layers.A-B</c> (decoder layers N, or A to B inclusive), <c>norm</c> (final norm) and <c>head</c> (output head),
    /// each a device string (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>). Every part must be placed exactly once. The norm and
    /// the head must share a device because a map has one <see cref="Output"/> device: the norm's output feeds only the
    /// head, so splitting them would add a transfer and gain nothing. The embedding may be anywhere (llama.cpp keeps it on
    /// the CPU).
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="layers">Decoder layers of the model.</param>
    /// <param name="gpuCount">GPUs given, when known: a <c>cuda:N</c> beyond them is an error.</param>
    /// <exception cref="InvalidOptionException">Not JSON, not an object, an unknown key, a value that is not a device, a range reversed, out of range or overlapping another, a part left out, or norm and head apart.</exception>
    public static DeviceMap ParseJson(string json, string source, int layers, int? gpuCount)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxMapDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidOptionException($"{source} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}; a device map is an object such as {{\"embed\": \"cuda:0\", \"layers.0-31\": \"cuda:0\", \"norm\": \"cuda:0\", \"head\": \"cuda:0\"}}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidOptionException($"{source}: a device map is a JSON object of part → device, not a {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");

            string? embed = null, norm = null, head = null;
            var placed = new string?[layers];
            var placedBy = new string?[layers];
            foreach (var property in document.RootElement.EnumerateObject())
            {
                string key = property.Name;
                if (property.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidOptionException($"{source}: \"{key}\" must be a device string (cpu, cuda:N), not a {property.Value.ValueKind.ToString().ToLowerInvariant()}");
                string device = CheckDevice(property.Value.GetString()!, gpuCount, $"{source}: \"{key}\"");
                switch (key)
                {
                    case EmbedKey: embed = Once(embed, device, source, key); break;
                    case NormKey: norm = Once(norm, device, source, key); break;
                    case HeadKey: head = Once(head, device, source, key); break;
                    default:
                        var (first, last) = LayerRange(key, source, layers);
                        for (int i = first; i <= last; i++)
                        {
                            if (placedBy[i] is { } other)
                                throw new InvalidOptionException($"{source}: \"{key}\" overlaps \"{other}\" at layer {i}; place each layer once");
                            (placed[i], placedBy[i]) = (device, key);
                        }
                        break;
                }
            }

            string Required(string? value, string key) => value ?? throw new InvalidOptionException(
                $"{source} has no \"{key}\"; a map places every part: \"{EmbedKey}\", \"{LayersPrefix}0-{layers - 1}\" (or ranges), \"{NormKey}\" and \"{HeadKey}\"");
            string embedding = Required(embed, EmbedKey), normDevice = Required(norm, NormKey), headDevice = Required(head, HeadKey);
            if (Missing(placed) is { } missing)
                throw new InvalidOptionException($"{source} places no device for layer{missing} of 0-{layers - 1}; every layer needs one");
            if (normDevice != headDevice)
                throw new InvalidOptionException($"{source}: \"{NormKey}\" is on {normDevice} but \"{HeadKey}\" on {headDevice}; put them on one device " +
                    "(a map has one output device: the final norm feeds only the head)");
            return new DeviceMap(embedding, placed!, headDevice);
        }
    }

    private static string Once(string? current, string device, string source, string key) =>
        current is null ? device : throw new InvalidOptionException($"{source}: \"{key}\" is given twice; give it once");

    // "layers.N" or "layers.A-B" → (A, B), checked against the model's layers.
    private static (int First, int Last) LayerRange(string key, string source, int layers)
    {
        if (!key.StartsWith(LayersPrefix, StringComparison.Ordinal))
            throw new InvalidOptionException($"{source}: key \"{key}\" is not known; use \"{EmbedKey}\", \"{LayersPrefix}N\", \"{LayersPrefix}A-B\", \"{NormKey}\" or \"{HeadKey}\"");
        string range = key[LayersPrefix.Length..];
        int dash = range.IndexOf('-', StringComparison.Ordinal);
        static bool Number(string text, out int n) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        int first, last;
        if (dash < 0 ? !Number(range, out first) || !Number(range, out last) : !Number(range[..dash], out first) || !Number(range[(dash + 1)..], out last))
            throw new InvalidOptionException($"{source}: key \"{key}\" is not a layer or range; write \"{LayersPrefix}N\" or \"{LayersPrefix}A-B\" with whole numbers");
        if (first > last)
            throw new InvalidOptionException($"{source}: \"{key}\" is reversed; write the lower layer first (\"{LayersPrefix}{last}-{first}\")");
        if (last >= layers)
            throw new InvalidOptionException($"{source}: \"{key}\" is out of range: the model has {layers} layers (0-{layers - 1})");
        return (first, last);
    }

    // " 3" or "s 3-5, 9" for the layers no key placed; null when every layer is placed.
    private static string? Missing(string?[] placed)
    {
        var runs = new List<string>();
        int count = 0;
        for (int i = 0; i < placed.Length; i++)
        {
            if (placed[i] is not null) continue;
            int end = i;
            while (end + 1 < placed.Length && placed[end + 1] is null) end++;
            runs.Add(i == end ? $"{i}" : $"{i}-{end}");
            count += end - i + 1;
            i = end;
        }
        return runs.Count == 0 ? null : (count == 1 ? " " : "s ") + string.Join(", ", runs);
    }

    // System.Text.Json's message carries a path and positions after its first sentence; the caller gives the position.
    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}
