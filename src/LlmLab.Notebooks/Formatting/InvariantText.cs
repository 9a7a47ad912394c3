using System.Collections;
using System.Globalization;
using System.Text;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Short, culture-independent text for values in tables and plain-text outputs, so a notebook renders the same on
/// every machine.
/// </summary>
internal static class InvariantText
{
    /// <summary>Text of a null value.</summary>
    public const string Null = "null";

    /// <summary>Items of a nested sequence shown inline before "…": enough to recognise it, short enough for a cell.</summary>
    public const int InlineItems = 10;

    public static string Of(object? value) => value switch
    {
        null => Null,
        string s => s,
        bool b => b ? "true" : "false",
        double d => Number(d),
        float f => Number(f),
        Half h => Number((double)h),
        DateTime t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IEnumerable sequence => Sequence(sequence),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// Doubles with at most 4 decimals in the everyday range (0.001 to 1e9, e.g. <c>12.3457</c>, <c>1234567</c>), and
    /// 4 significant digits outside it (<c>1.235E-05</c>): measurements rarely carry more meaningful digits.
    /// </summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : "-∞";
        var magnitude = Math.Abs(value);
        return magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e9)
            ? value.ToString("0.####", CultureInfo.InvariantCulture)
            : value.ToString("0.###E+00", CultureInfo.InvariantCulture);
    }

    public static bool IsNumber(object? value) => value is byte or sbyte or short or ushort or int or uint or long or ulong
        or float or double or decimal or Half or System.Numerics.BigInteger;

    public static bool IsScalar(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid)
        || type == typeof(Half) || type == typeof(System.Numerics.BigInteger) || type == typeof(Uri) || type == typeof(Type)
        || (Nullable.GetUnderlyingType(type) is { } inner && IsScalar(inner));

    private static string Sequence(IEnumerable sequence)
    {
        var text = new StringBuilder("[");
        var count = 0;
        foreach (var item in sequence)
        {
            if (count == InlineItems)
            {
                text.Append(", …");
                break;
            }

            if (count++ > 0) text.Append(", ");
            text.Append(item is IEnumerable and not string ? item.GetType().Name : Of(item));
        }

        return text.Append(']').ToString();
    }
}
