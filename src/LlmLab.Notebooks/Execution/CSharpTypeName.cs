using System.Text;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// The C# spelling of a runtime type, fully qualified (<c>global::System.Collections.Generic.List&lt;int&gt;</c>),
/// for declarations the engine generates; <c>object</c> for types C# code cannot name (non-public, or declared in
/// an earlier cell's submission).
/// </summary>
internal static class CSharpTypeName
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(string)] = "string", [typeof(object)] = "object",
    };

    public static string Of(Type type) => IsNameable(type) ? Format(type) : "object";

    private static bool IsNameable(Type type)
    {
        if (type.IsGenericParameter || type.IsPointer || type.IsByRef || type.IsByRefLike) return false;
        if (type.IsArray) return IsNameable(type.GetElementType()!);
        if (type.FullName is null || type.Assembly.IsDynamic || type.FullName.Contains("Submission#", StringComparison.Ordinal)) return false;
        for (var t = type; t is not null; t = t.DeclaringType)
        {
            if (!(t.IsPublic || t.IsNestedPublic)) return false;
        }

        return !type.IsGenericType || type.GetGenericArguments().All(IsNameable);
    }

    private static string Format(Type type)
    {
        if (Keywords.TryGetValue(type, out var keyword)) return keyword;
        if (type.IsArray) return Format(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (Nullable.GetUnderlyingType(type) is { } inner) return Format(inner) + "?";

        // Nested types: Outer<A>.Inner<B>; generic arguments are spread over the declaring chain.
        var chain = new List<Type>();
        for (var t = type; t is not null; t = t.DeclaringType) chain.Insert(0, t);
        var arguments = type.GetGenericArguments();
        var used = 0;
        var name = new StringBuilder("global::");
        if (!string.IsNullOrEmpty(chain[0].Namespace)) name.Append(chain[0].Namespace).Append('.');
        for (var i = 0; i < chain.Count; i++)
        {
            if (i > 0) name.Append('.');
            var simple = chain[i].Name;
            var tick = simple.IndexOf('`');
            name.Append(tick < 0 ? simple : simple[..tick]);
            var count = chain[i].GetGenericArguments().Length - used;
            if (count > 0)
            {
                name.Append('<').AppendJoin(", ", arguments.Skip(used).Take(count).Select(Format)).Append('>');
                used += count;
            }
        }

        return name.ToString();
    }
}
