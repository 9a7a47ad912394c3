namespace LlmLab.Notebooks.Magics;

/// <summary>What an option's value must look like; the parser rejects anything else with a clear message.</summary>
public enum MagicValueKind
{
    /// <summary>Any text.</summary>
    Text,
    /// <summary>A whole number in invariant culture (<c>64</c>, <c>-1</c>).</summary>
    Integer,
    /// <summary>A number in invariant culture (<c>0.7</c>, <c>1e-5</c>).</summary>
    Number,
    /// <summary>Whole numbers separated by commas (<c>1,4,16</c>); an empty item is refused.</summary>
    IntegerList,
}
