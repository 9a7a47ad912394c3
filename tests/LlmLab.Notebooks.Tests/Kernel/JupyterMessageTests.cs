using System.Text;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

public sealed class JupyterMessageTests
{
    /// <summary>A message signed by jupyter_client 7.4.9 itself (provenance in the fixture).</summary>
    private static (string Key, List<byte[]> Frames) JupyterClientMessage()
    {
        var fixture = JsonNode.Parse(File.ReadAllText(TestPaths.Fixture("Kernel/jupyter-client-execute-request.json")))!;
        return (fixture["key"]!.GetValue<string>(), fixture["frames"]!.AsArray().Select(f => Encoding.UTF8.GetBytes(f!.GetValue<string>())).ToList());
    }

    [Fact]
    public void A_message_signed_by_jupyter_client_parses_with_its_identity_header_and_content()
    {
        var (key, frames) = JupyterClientMessage();

        var message = JupyterMessage.Parse(frames, new MessageSigner(key));

        Assert.Equal("client-identity", Encoding.UTF8.GetString(Assert.Single(message.Identities)));
        Assert.Equal("execute_request", message.MessageType);
        Assert.Equal("6 * 7", message.Content["code"]!.GetValue<string>());
    }

    [Fact]
    public void LlmLab_signs_the_same_frames_with_the_same_hex_digest_as_jupyter_client()
    {
        var (key, frames) = JupyterClientMessage();

        var signature = new MessageSigner(key).Sign(frames[3], frames[4], frames[5], frames[6]);

        Assert.Equal(Encoding.ASCII.GetString(frames[2]), signature);
    }

    [Fact]
    public void A_message_whose_content_was_altered_is_rejected_for_its_signature()
    {
        var (key, frames) = JupyterClientMessage();
        frames[6] = Encoding.UTF8.GetBytes("{\"code\": \"Environment.Exit(1)\"}");

        var error = Assert.Throws<JupyterProtocolException>(() => JupyterMessage.Parse(frames, new MessageSigner(key)));

        Assert.Contains("HMAC signature does not match", error.Message);
    }

    [Fact]
    public void A_message_signed_with_another_key_is_rejected()
    {
        var (_, frames) = JupyterClientMessage();

        Assert.Throws<JupyterProtocolException>(() => JupyterMessage.Parse(frames, new MessageSigner("another-key")));
    }

    [Fact]
    public void The_same_signed_message_received_twice_is_rejected_as_a_replay()
    {
        var (key, frames) = JupyterClientMessage();
        var signer = new MessageSigner(key);
        JupyterMessage.Parse(frames, signer);

        Assert.Throws<JupyterProtocolException>(() => JupyterMessage.Parse(frames, signer));
    }

    [Fact]
    public void A_message_without_the_delimiter_frame_is_rejected_with_a_message_saying_so()
    {
        var error = Assert.Throws<JupyterProtocolException>(() => JupyterMessage.Parse([[1, 2], [3]], new MessageSigner("k")));

        Assert.Contains("<IDS|MSG>", error.Message);
    }

    [Fact]
    public void A_reply_round_trips_through_frames_and_keeps_its_parent_and_routing_identity()
    {
        var (key, frames) = JupyterClientMessage();
        var signer = new MessageSigner(key);
        var request = JupyterMessage.Parse(frames, signer);

        var reply = JupyterMessage.Create("execute_reply", "kernel-session", new JsonObject { ["status"] = "ok" }, request);
        var parsed = JupyterMessage.Parse(reply.ToFrames(signer), signer);

        Assert.Equal(request.MessageId, parsed.ParentMessageId);
        Assert.Equal("client-identity", Encoding.UTF8.GetString(Assert.Single(parsed.Identities)));
        Assert.Equal(JupyterMessage.ProtocolVersion, parsed.Header["version"]!.GetValue<string>());
    }
}
