using System.Text.Json;
using LlmLab.Backends.Cpu;
using LlmLab.Formats;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// The generation loop on the GPU, where it runs pipelined (step n + 1 queued on the ids the device chose before token
/// n is read back, the argmax kernel writing the token to pinned memory): greedy continuations equal PyTorch's on the
/// fixtures (fp32 compute), and a run stops at the first end-of-sequence token.
/// </summary>
public sealed class GenerationTests
{
    public static TheoryData<int, string> Cases
    {
        get
        {
            var data = new TheoryData<int, string>();
            if (Gpu.Ordinals.Length == 0) data.Add(-1, "llama-tiny");
            foreach (int device in Gpu.Ordinals)
                foreach (var model in new[] { "llama-tiny", "qwen2-tiny" }) data.Add(device, model);
            return data;
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Greedy_generation_on_the_gpu_equals_pytorch_greedy_ids(int device, string model)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(model), "expected.safetensors"));
        var input = expected.Tensor("input_ids");
        int length = (int)input.Shape[1];
        var prompt = input.ToInt64Array().Take(length).Select(v => (int)v).ToArray();
        var greedy = expected.Tensor("greedy_ids").ToInt64Array().Select(v => (int)v).ToArray();

        using var transformer = Transformer.Load(Fixtures.Model(model), gpu);
        var result = new Generator(transformer).Generate(prompt, greedy.Length, SamplingOptions.Greedy, stopIds: []);

        Assert.Equal(greedy, result.GeneratedIds);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Generation_on_the_gpu_stops_at_the_first_eos_token(int device)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "brown-llama-7m", "reference.json")));
        var prompt = doc.RootElement.GetProperty("greedy_prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var transformer = Transformer.Load(Fixtures.BrownModel, gpu);

        // The reference continuation's second token is <|endoftext|> (id 0, the model's eos); the step queued after it is dropped.
        var result = new Generator(transformer).Generate(prompt, 32, SamplingOptions.Greedy);

        Assert.Equal(StopReason.EndOfSequence, result.Stop);
        Assert.Equal([14, 0], result.GeneratedIds);
        gpu.Synchronize();
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Greedy_generation_with_a_repetition_penalty_on_the_gpu_equals_the_cpu(int device)
    {
        // The penalty runs on the device with the history kept there, so the pipelined loop penalises the token it has
        // not read back yet; the CPU runs the same loop step by step.
        using var gpu = Gpu.Open(device, DType.F32);
        int[] prompt = [474, 502, 1145, 553, 474];
        var options = new SamplingOptions(RepetitionPenalty: 1.5f);
        using var onGpu = Transformer.Load(Fixtures.BrownModel, gpu);
        using var onCpu = Transformer.Load(Fixtures.BrownModel, new CpuBackend());

        var expected = new Generator(onCpu).Generate(prompt, 24, options, stopIds: []).GeneratedIds;
        var actual = new Generator(onGpu).Generate(prompt, 24, options, stopIds: []).GeneratedIds;

        Assert.Equal(expected, actual);
        Assert.NotEqual(new Generator(onCpu).Generate(prompt, 24, SamplingOptions.Greedy, stopIds: []).GeneratedIds, expected);
    }
}
