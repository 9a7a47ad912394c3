namespace LlmLab.Notebooks.Formatting;

/// <summary>An HTML fragment to display as is, e.g. <c>display(new HtmlContent("&lt;b&gt;done&lt;/b&gt;"))</c>.</summary>
/// <param name="Html">The markup, trusted: it is not escaped.</param>
public sealed record HtmlContent(string Html)
{
    /// <summary>The markup.</summary>
    public override string ToString() => Html;
}
