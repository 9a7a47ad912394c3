using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Magics;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

/// <summary>Sessions for the engine magics: the default registry, a limit with room for a small benchmark on a busy machine.</summary>
internal static class EngineSessions
{
    public static Task<NotebookSession> StartAsync(MagicRegistry? magics = null) =>
        Sessions.StartAsync(new NotebookSessionOptions { Magics = magics ?? MagicRegistry.CreateDefault(), CellTimeout = TimeSpan.FromMinutes(2) });

    /// <summary>A session in which <c>#!llm-load</c> has loaded the embedded model as <c>model</c>.</summary>
    public static async Task<NotebookSession> WithModelAsync()
    {
        var session = await StartAsync();
        (await session.RunAsync("#!llm-load")).Succeeded();
        return session;
    }
}
