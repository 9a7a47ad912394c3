using System.Globalization;

namespace LlmLab.Notebooks.Execution;

/// <summary>Short human text for durations in messages and progress lines: <c>850 ms</c>, <c>2.4 s</c>, <c>3.5 min</c>.</summary>
internal static class DurationText
{
    public static string Of(TimeSpan duration) => duration switch
    {
        _ when duration == Timeout.InfiniteTimeSpan => "no limit",
        { TotalSeconds: < 1 } => $"{duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms",
        { TotalMinutes: < 1 } => $"{duration.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s",
        { TotalHours: < 1 } => $"{duration.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min",
        _ => $"{duration.TotalHours.ToString("0.##", CultureInfo.InvariantCulture)} h",
    };
}
