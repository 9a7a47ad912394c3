using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// A sequence of records laid out as a table: one column per public instance property (then public field) of the
/// element type, in declaration order; one row per element, at most <see cref="MaxRows"/>.
/// </summary>
internal sealed class RecordTable
{
    /// <summary>Rows shown before the rest is summarised: a notebook output stays readable and its file small.</summary>
    public const int MaxRows = 100;

    private static readonly ConcurrentDictionary<Type, MemberInfo[]> MembersByType = new();

    private RecordTable(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, int? totalRows, bool truncated)
    {
        Columns = columns;
        Rows = rows;
        TotalRows = totalRows;
        Truncated = truncated;
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Raw values, one array per shown row, one entry per column (null when an element lacks the member).</summary>
    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>Number of elements when the sequence knows it (a collection); null for a lazy sequence.</summary>
    public int? TotalRows { get; }

    /// <summary>Whether elements were left out.</summary>
    public bool Truncated { get; }

    /// <summary>Whether every shown value of the column is a number (such columns are right-aligned).</summary>
    public bool IsNumeric(int column) => Rows.All(r => r[column] is null || InvariantText.IsNumber(r[column]));

    /// <summary>A note on rows left out, e.g. <c>… 150 more rows (250 in all)</c>; null when nothing was left out.</summary>
    public string? TruncationNote => !Truncated ? null
        : TotalRows is { } total ? $"… {total - Rows.Count} more rows ({total} in all)"
        : $"… more rows (only the first {Rows.Count} are shown)";

    /// <summary>Lays out the value when it is a sequence of record-like elements (not text, not scalars).</summary>
    public static bool TryCreate(object value, out RecordTable table)
    {
        table = null!;
        if (value is string || value is not IEnumerable sequence) return false;
        var declared = ElementType(value.GetType());
        if (declared is not null && IsRecordLike(declared) && !declared.IsInterface && !declared.IsAbstract && declared != typeof(object))
        {
            return TryLayout(sequence, declared, out table);
        }

        // object, an interface, or a non-generic sequence: judge by the first element's runtime type.
        foreach (var first in sequence)
        {
            if (first is null) continue;
            return IsRecordLike(first.GetType()) && TryLayout(sequence, first.GetType(), out table);
        }

        return false;
    }

    private static bool TryLayout(IEnumerable sequence, Type elementType, out RecordTable table)
    {
        var members = Members(elementType);
        var names = members.Select(m => m.Name).ToArray();
        var columns = members.Select(ColumnTitle.Of).ToArray();
        var rows = new List<object?[]>();
        var truncated = false;
        foreach (var element in sequence)
        {
            if (rows.Count == MaxRows)
            {
                truncated = true;
                break;
            }

            rows.Add(names.Select(n => ValueOf(element, n)).ToArray());
        }

        var total = sequence is ICollection collection ? collection.Count : truncated ? (int?)null : rows.Count;
        table = new RecordTable(columns, rows, total, truncated);
        return true;
    }

    private static object? ValueOf(object? element, string column)
    {
        if (element is null) return null;
        var member = Members(element.GetType()).FirstOrDefault(m => m.Name == column);
        try
        {
            return member switch
            {
                PropertyInfo p => p.GetValue(element),
                FieldInfo f => f.GetValue(element),
                _ => null,
            };
        }
        catch (TargetInvocationException e)
        {
            return $"<{e.InnerException?.GetType().Name ?? "error"}>";
        }
    }

    private static bool IsRecordLike(Type type) =>
        !InvariantText.IsScalar(type) && !typeof(IEnumerable).IsAssignableFrom(type) && Members(type).Length > 0;

    private static MemberInfo[] Members(Type type) => MembersByType.GetOrAdd(type, t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken)
            .Cast<MemberInfo>()
            .Concat(t.GetFields(BindingFlags.Public | BindingFlags.Instance).OrderBy(f => f.MetadataToken))
            .ToArray());

    private static Type? ElementType(Type sequenceType)
    {
        if (sequenceType.IsArray) return sequenceType.GetElementType();
        return sequenceType.GetInterfaces().Append(sequenceType)
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            .Select(i => i.GetGenericArguments()[0])
            .FirstOrDefault();
    }
}
