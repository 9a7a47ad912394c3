using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// One message of the Jupyter messaging protocol (version 5.3), as it travels over ZeroMQ:
/// <c>[routing identities…, "&lt;IDS|MSG&gt;", HMAC, header, parent_header, metadata, content, buffers…]</c>, the four
/// dicts as UTF-8 JSON. Spec: https://jupyter-client.readthedocs.io/en/stable/messaging.html ("The Wire Protocol").
/// </summary>
/// <param name="Identities">ZeroMQ routing prefix: where a ROUTER socket sends the reply (empty on PUB/DEALER).</param>
/// <param name="Header">msg_id, session, username, date, msg_type, version.</param>
/// <param name="ParentHeader">Header of the request this message answers or belongs to; empty for none.</param>
/// <param name="Metadata">Free-form metadata; usually empty.</param>
/// <param name="Content">The message body, shaped by its msg_type.</param>
internal sealed record JupyterMessage(IReadOnlyList<byte[]> Identities, JsonObject Header, JsonObject ParentHeader, JsonObject Metadata, JsonObject Content)
{
    /// <summary>The protocol version LlmLab speaks and writes in every header.</summary>
    public const string ProtocolVersion = "5.3";

    /// <summary>Frame that separates routing identities from the signed message.</summary>
    public static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();

    /// <summary>Frames after the delimiter: signature, header, parent header, metadata, content.</summary>
    private const int SignedPartFrames = 5;

    /// <summary>
    /// Binary buffers after the content frame (widgets use them). LlmLab neither sends nor reads any, but keeps
    /// what arrives so a message round-trips.
    /// </summary>
    public IReadOnlyList<byte[]> Buffers { get; init; } = [];

    /// <summary>The header's msg_type, e.g. <c>execute_request</c>.</summary>
    public string MessageType => Header["msg_type"]?.GetValue<string>() ?? "";

    /// <summary>The header's msg_id.</summary>
    public string MessageId => Header["msg_id"]?.GetValue<string>() ?? "";

    /// <summary>The parent header's msg_id; empty when there is no parent.</summary>
    public string ParentMessageId => ParentHeader["msg_id"]?.GetValue<string>() ?? "";

    /// <summary>A new message whose parent is <paramref name="parent"/> (null for none), routed to the parent's sender.</summary>
    public static JupyterMessage Create(string messageType, string session, JsonObject content, JupyterMessage? parent, bool routeToParent = true) =>
        new(routeToParent && parent is not null ? parent.Identities : [], NewHeader(messageType, session),
            parent?.Header.DeepClone().AsObject() ?? [], [], content);

    /// <summary>A fresh header: a unique msg_id, now as the date (ISO 8601, UTC).</summary>
    public static JsonObject NewHeader(string messageType, string session) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString("N"),
        ["session"] = session,
        ["username"] = "llmlab",
        ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        ["msg_type"] = messageType,
        ["version"] = ProtocolVersion,
    };

    /// <summary>The frames to send, signed with <paramref name="signer"/>.</summary>
    public List<byte[]> ToFrames(MessageSigner signer)
    {
        var header = Json(Header);
        var parent = Json(ParentHeader);
        var metadata = Json(Metadata);
        var content = Json(Content);
        var frames = new List<byte[]>(Identities.Count + 1 + SignedPartFrames + Buffers.Count);
        frames.AddRange(Identities);
        frames.Add(Delimiter);
        frames.Add(Encoding.ASCII.GetBytes(signer.Sign(header, parent, metadata, content)));
        frames.Add(header);
        frames.Add(parent);
        frames.Add(metadata);
        frames.Add(content);
        frames.AddRange(Buffers);
        return frames;
    }

    /// <summary>Parses received frames and checks their signature.</summary>
    /// <exception cref="JupyterProtocolException">No delimiter, too few frames, a bad signature or a dict that is not a JSON object.</exception>
    public static JupyterMessage Parse(IReadOnlyList<byte[]> frames, MessageSigner signer)
    {
        var delimiter = -1;
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].AsSpan().SequenceEqual(Delimiter))
            {
                delimiter = i;
                break;
            }
        }

        if (delimiter < 0) throw new JupyterProtocolException("a message has no <IDS|MSG> delimiter frame; it is not a Jupyter message");
        if (frames.Count - delimiter - 1 < SignedPartFrames)
        {
            throw new JupyterProtocolException($"a message has {frames.Count - delimiter - 1} frames after <IDS|MSG>; the protocol needs {SignedPartFrames} (signature, header, parent_header, metadata, content)");
        }

        var signature = frames[delimiter + 1];
        var (header, parent, metadata, content) = (frames[delimiter + 2], frames[delimiter + 3], frames[delimiter + 4], frames[delimiter + 5]);
        if (!signer.Verify(signature, header, parent, metadata, content))
        {
            throw new JupyterProtocolException("a message's HMAC signature does not match the connection file's key; it was dropped (is another client using a different key?)");
        }

        return new JupyterMessage(frames.Take(delimiter).ToArray(), Dict(header, "header"), Dict(parent, "parent_header"), Dict(metadata, "metadata"), Dict(content, "content"))
        {
            Buffers = frames.Skip(delimiter + 1 + SignedPartFrames).ToArray(),
        };
    }

    private static byte[] Json(JsonObject node) => JsonSerializer.SerializeToUtf8Bytes(node);

    private static JsonObject Dict(byte[] frame, string part)
    {
        try
        {
            return JsonNode.Parse(frame) as JsonObject ?? throw new JupyterProtocolException($"a message's {part} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new JupyterProtocolException($"a message's {part} is not valid JSON: {e.Message}");
        }
    }
}
