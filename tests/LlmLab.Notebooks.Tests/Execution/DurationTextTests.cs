using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Tests.Execution;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("2min", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("250ms", 0.25)]
    [InlineData("45", 45)]
    public void A_time_limit_parses_with_its_unit_and_bare_numbers_are_seconds(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.Parse(text, "--timeout"));
    }

    [Fact]
    public void None_means_no_limit()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, DurationText.Parse("none", "--timeout"));
    }

    [Fact]
    public void A_limit_longer_than_timers_can_wait_asks_for_none_instead()
    {
        var error = Assert.Throws<InvalidOptionException>(() => DurationText.Parse("1000h", "--timeout"));

        Assert.Equal("--timeout 1000h: a time limit is at most 20 days; give 'none' for no limit.", error.Message);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("soon")]
    public void A_value_that_is_not_a_positive_duration_names_the_option_and_gives_examples(string text)
    {
        var error = Assert.Throws<InvalidOptionException>(() => DurationText.Parse(text, "--timeout"));

        Assert.Equal($"--timeout {text}: give a positive duration such as 90s, 10m or 1h (or 'none' for no limit).", error.Message);
    }
}
