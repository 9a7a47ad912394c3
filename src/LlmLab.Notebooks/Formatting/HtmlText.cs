using System.Net;

namespace LlmLab.Notebooks.Formatting;

/// <summary>HTML escaping for text placed in element content or attribute values.</summary>
internal static class HtmlText
{
    public static string Encode(string text) => WebUtility.HtmlEncode(text);
}
