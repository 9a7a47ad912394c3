using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>Decoding steps the model tests share: greedy ids and slices of sequence-major id arrays.</summary>
internal static class Decoding
{
    /// <summary><paramref name="count"/> greedy ids after <paramref name="prompt"/>, chosen on the device one step at a time.</summary>
    public static int[] Greedy(Transformer transformer, IBackend backend, int[] prompt, int count)
    {
        using var session = transformer.CreateSession(1, prompt.Length + count);
        var result = new int[count];
        var next = prompt;
        var id = new int[1];
        using var device = backend.Allocate(DType.I32, 1, 1);
        for (int i = 0; i < count; i++)
        {
            var logits = session.Step(next)!;
            backend.Argmax(logits, device);
            backend.Read(device, id);
            result[i] = id[0];
            next = [id[0]];
        }
        return result;
    }

    /// <summary>Tokens [from, to) of each sequence of a sequence-major [batch, tokens] id array.</summary>
    public static int[] Slice(int[] ids, int batch, int tokens, int from, int to)
    {
        var result = new int[batch * (to - from)];
        for (int b = 0; b < batch; b++) Array.Copy(ids, b * tokens + from, result, b * (to - from), to - from);
        return result;
    }
}
