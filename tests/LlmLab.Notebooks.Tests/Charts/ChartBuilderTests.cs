using System.Text.Json.Nodes;
using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Tests.Charts;

public sealed class ChartBuilderTests
{
    private static JsonNode Json(Chart chart) => JsonNode.Parse(chart.ToPlotlyJson())!;

    [Fact]
    public void Axis_titles_carry_their_units_in_parentheses()
    {
        var layout = Json(new ChartBuilder().XAxis("Context", "tokens").YAxis("Memory", "GiB", logarithmic: true).Build())["layout"]!;

        Assert.Equal("Context (tokens)", layout["xaxis"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal("Memory (GiB)", layout["yaxis"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal("log", layout["yaxis"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Grouped_and_stacked_bars_set_plotlys_bar_mode()
    {
        (string, IEnumerable<double>)[] series = [("weights", [1.0, 2.0]), ("kv cache", [0.5, 0.5])];

        var grouped = Json(new ChartBuilder().GroupedBars(new[] { "fp16", "q4_0" }, series).Build());
        var stacked = Json(new ChartBuilder().StackedBars(new[] { "fp16", "q4_0" }, series).Build());

        Assert.Equal("group", grouped["layout"]!["barmode"]!.GetValue<string>());
        Assert.Equal("stack", stacked["layout"]!["barmode"]!.GetValue<string>());
        Assert.Equal(["weights", "kv cache"], stacked["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.All(stacked["data"]!.AsArray(), t => Assert.Equal("bar", t!["type"]!.GetValue<string>()));
    }

    [Fact]
    public void A_histogram_has_x_values_and_the_bins_asked_for_but_no_y()
    {
        var trace = Json(new ChartBuilder().Histogram(new[] { 1, 2, 2, 3 }, "latency", bins: 10).Build())["data"]![0]!;

        Assert.Equal("histogram", trace["type"]!.GetValue<string>());
        Assert.Equal(10, trace["nbinsx"]!.GetValue<int>());
        Assert.Equal(4, trace["x"]!.AsArray().Count);
        Assert.Null(trace["y"]);
    }

    [Fact]
    public void Lines_and_scatters_are_plotly_scatter_traces_in_different_modes()
    {
        var data = Json(new ChartBuilder().Line(new[] { 1, 2 }, new[] { 1f, 2f }, markers: true).Scatter(new[] { 1, 2 }, new[] { 3L, 4L }).Build())["data"]!;

        Assert.Equal(("scatter", "lines+markers"), (data[0]!["type"]!.GetValue<string>(), data[0]!["mode"]!.GetValue<string>()));
        Assert.Equal(("scatter", "markers"), (data[1]!["type"]!.GetValue<string>(), data[1]!["mode"]!.GetValue<string>()));
    }

    [Fact]
    public void Marker_lines_are_dashed_shapes_across_the_plot_with_their_labels_staggered_downwards()
    {
        var layout = Json(new ChartBuilder().Histogram(new[] { 1.0, 2.0 }).MarkerLine(1.2, "p50").MarkerLine(1.9, "p99").Build())["layout"]!;

        var shapes = layout["shapes"]!.AsArray();
        Assert.Equal([1.2, 1.9], shapes.Select(s => s!["x0"]!.GetValue<double>()));
        Assert.All(shapes, s => Assert.Equal(("paper", 0.0, 1.0, "dash"), (s!["yref"]!.GetValue<string>(), s["y0"]!.GetValue<double>(), s["y1"]!.GetValue<double>(), s["line"]!["dash"]!.GetValue<string>())));
        var labels = layout["annotations"]!.AsArray();
        Assert.Equal(["p50", "p99"], labels.Select(a => a!["text"]!.GetValue<string>()));
        Assert.True(labels[1]!["y"]!.GetValue<double>() < labels[0]!["y"]!.GetValue<double>());
    }

    [Fact]
    public void A_chart_without_marker_lines_has_no_shapes()
    {
        Assert.Null(Json(new ChartBuilder().Bar(new[] { "a" }, new[] { 1 }).Build())["layout"]!["shapes"]);
    }

    [Fact]
    public void Hover_texts_go_with_their_points()
    {
        var trace = Json(new ChartBuilder().Bar(new[] { "a", "b" }, new[] { 1, 2 }, hoverText: ["first", "second"]).Build())["data"]![0]!;

        Assert.Equal(["first", "second"], trace["hovertext"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Values_with_no_json_form_become_gaps()
    {
        var y = Json(new ChartBuilder().Line(new[] { 1, 2, 3 }, new[] { 1.0, double.NaN, double.PositiveInfinity }).Build())["data"]![0]!["y"]!.AsArray();

        Assert.Equal([false, true, true], y.Select(v => v is null));
    }

    [Fact]
    public void Dates_and_categories_are_written_as_strings()
    {
        var x = Json(new ChartBuilder().Bar(new[] { new DateTime(2026, 3, 1, 12, 0, 0) }, new[] { 1 }).Build())["data"]![0]!["x"]![0]!;

        Assert.Equal("2026-03-01 12:00:00.000", x.GetValue<string>());
    }

    [Fact]
    public void A_count_mismatch_between_x_and_y_is_an_error_naming_the_trace()
    {
        var error = Assert.Throws<ArgumentException>(() => new ChartBuilder().Line(new[] { 1, 2, 3 }, new[] { 1.0 }, "fp16"));

        Assert.StartsWith("Chart line 'fp16': 3 x values but 1 y values; give one y per x.", error.Message);
    }

    [Fact]
    public void A_hover_text_count_mismatch_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => new ChartBuilder().Scatter(new[] { 1, 2 }, new[] { 1, 2 }, hoverText: ["only one"]));
    }

    [Fact]
    public void Text_in_a_chart_cannot_close_the_script_that_draws_it()
    {
        var json = new ChartBuilder().Title("</script><script>alert(1)</script>").Build().ToPlotlyJson();

        Assert.DoesNotContain("</script", json);
    }

    [Fact]
    public void The_bundled_plotly_is_the_pinned_version()
    {
        Assert.StartsWith($"/**\n* plotly.js v{PlotlyJs.Version}\n", PlotlyJs.MinifiedScript);
        Assert.True(PlotlyJs.MinifiedScript.Length > 4_000_000);
    }
}
