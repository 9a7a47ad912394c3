using System.ComponentModel;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Formatting;

public sealed class ColumnTitleTests
{
    [Theory]
    [InlineData("TokensPerSecond", "Tokens/s")]
    [InlineData("DecodeTokensPerSecond", "Decode tokens/s")]
    [InlineData("TtftMs", "TTFT (ms)")]
    [InlineData("InterTokenP50Ms", "Inter-token p50 (ms)")]
    [InlineData("WeightMiB", "Weight (MiB)")]
    [InlineData("MemoryPercent", "Memory (%)")]
    [InlineData("KldMean", "KLD mean")]
    [InlineData("BitsPerWeight", "Bits per weight")]
    [InlineData("BandwidthGBps", "Bandwidth (GB/s)")]
    [InlineData("PeakMemoryBytes", "Peak memory (bytes)")]
    [InlineData("Batch", "Batch")]
    [InlineData("Ms", "Ms")]
    public void A_property_name_reads_as_words_with_its_unit_in_parentheses(string property, string title)
    {
        Assert.Equal(title, ColumnTitle.Of(property));
    }

    private sealed record Row([property: DisplayName("Power (W)")] double PowerW, double TtftMs);

    [Fact]
    public void A_display_name_on_the_property_wins_and_tables_show_the_titles()
    {
        var text = FormatterRegistry.CreateDefault().Format(new[] { new Row(118.4, 12.5) }, MimeTypes.PlainText)!;

        Assert.StartsWith("Power (W)  TTFT (ms)", text);
    }
}
