using System.Globalization;

namespace LlmLab.Notebooks.Execution;

/// <summary>Short human text for durations in messages and progress lines: <c>850 ms</c>, <c>2.4 s</c>, <c>3.5 min</c>.</summary>
internal static class DurationText
{
    /// <summary>
    /// Longest finite time limit: .NET timers (Task.Delay, WaitAsync) take at most int.MaxValue ms (24.8 days),
    /// and the runner adds its allowances on top.
    /// </summary>
    public static readonly TimeSpan MaxLimit = TimeSpan.FromDays(20);

    public static string Of(TimeSpan duration) => duration switch
    {
        _ when duration == Timeout.InfiniteTimeSpan => "no limit",
        { TotalSeconds: < 1 } => $"{duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms",
        { TotalMinutes: < 1 } => $"{duration.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s",
        { TotalHours: < 1 } => $"{duration.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min",
        _ => $"{duration.TotalHours.ToString("0.##", CultureInfo.InvariantCulture)} h",
    };

    /// <summary>
    /// Parses a time limit as options give it: <c>90s</c>, <c>10m</c>, <c>1.5h</c>, <c>250ms</c>, a bare number of
    /// seconds, or <c>none</c> for no limit.
    /// </summary>
    /// <param name="text">The option's value.</param>
    /// <param name="option">The option's name, for the error message (e.g. <c>--timeout</c>).</param>
    /// <exception cref="InvalidOptionException">Not a positive duration.</exception>
    public static TimeSpan Parse(string text, string option)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed is "none" or "infinite") return Timeout.InfiniteTimeSpan;
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("min", 60), ("m", 60), ("h", 3600)];
        var (number, scale) = units.Where(u => trimmed.EndsWith(u.Suffix, StringComparison.Ordinal)).Select(u => (trimmed[..^u.Suffix.Length], u.Seconds)).FirstOrDefault((trimmed, 1));
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new InvalidOptionException($"{option} {text}: give a positive duration such as 90s, 10m or 1h (or 'none' for no limit).");
        }

        if (value * scale > MaxLimit.TotalSeconds)
        {
            throw new InvalidOptionException($"{option} {text}: a time limit is at most {MaxLimit.TotalDays} days; give 'none' for no limit.");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
