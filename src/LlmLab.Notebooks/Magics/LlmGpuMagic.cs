using LlmLab.Backends;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-gpu</c>: lists the GPUs the GPU backends of this build can use, with a sensor reading of each (NVML: power,
/// SM clock, temperature, memory in use), as a <see cref="GpuInventory"/>; where there is none it says so and why.
/// </summary>
/// <param name="devices">Where GPU backends come from; null for <see cref="DeviceCatalog.Default"/>.</param>
public sealed class LlmGpuMagic(DeviceCatalog? devices = null) : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-gpu", "Lists the GPUs with their power, clock, temperature and memory, or says in one line that none was found and why.")
    {
        Options = [new MagicOption("details", "Without a GPU, also print the whole reason each backend gave (the folders it searched)") { IsFlag = true }],
    };

    /// <inheritdoc/>
    public override Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var inventory = (devices ?? DeviceCatalog.Default).SurveyGpus();
        session.Display(inventory);
        if (options.GetFlag("details") && inventory.WhyNone is { } why)
        {
            foreach (var reason in why.Split("; ", StringSplitOptions.RemoveEmptyEntries)) session.Out.WriteLine(reason);
        }

        return Task.CompletedTask;
    }
}
