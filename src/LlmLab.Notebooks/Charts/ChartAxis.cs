namespace LlmLab.Notebooks.Charts;

/// <summary>An axis of a chart.</summary>
/// <param name="Title">What the axis measures, e.g. <c>Decode throughput</c>; null for none.</param>
/// <param name="Unit">Unit of the values, e.g. <c>tokens/s</c>; shown in parentheses after the title.</param>
/// <param name="Logarithmic">Whether the axis is log-scaled.</param>
public sealed record ChartAxis(string? Title = null, string? Unit = null, bool Logarithmic = false)
{
    /// <summary>Text shown along the axis: <c>Title (Unit)</c>, the title alone, the unit alone, or null.</summary>
    public string? Label => (Title, Unit) switch
    {
        (null or "", null or "") => null,
        (null or "", _) => Unit,
        (_, null or "") => Title,
        _ => $"{Title} ({Unit})",
    };
}
