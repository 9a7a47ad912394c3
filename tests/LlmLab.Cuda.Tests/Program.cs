using LlmLab.Cuda.Tests.Bench;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Entry point of the test assembly: `dotnet LlmLab.Cuda.Tests.dll [xunit options]` runs the tests (they skip with a
/// message where no GPU is present); `dotnet LlmLab.Cuda.Tests.dll bench [options]` runs the decode benchmark,
/// `quant-lab [options]` the quantized GEMV lab (Bench/QuantLab.cs).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench") return DecodeBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "quant-lab") return QuantLab.Run(args[1..]);
        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
