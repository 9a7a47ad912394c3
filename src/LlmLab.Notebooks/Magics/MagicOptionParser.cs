using System.Globalization;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// Parses command-line words against a <see cref="CommandSyntax"/>, POSIX/GNU style: <c>--long value</c>,
/// <c>--long=value</c>, <c>-s value</c>, <c>-svalue</c>, grouped flags <c>-ab</c>, <c>--</c> to end options, and
/// <c>-h</c>/<c>--help</c>. Positional arguments may also be given by name (<c>--prompt "..."</c>), the way a
/// Polyglot kernel passes them.
/// </summary>
public static class MagicOptionParser
{
    /// <summary>Parses the words that follow the command name.</summary>
    /// <param name="syntax">What the command accepts.</param>
    /// <param name="words">The words, e.g. from <see cref="MagicCommandLine.Split"/>, without the command name.</param>
    /// <param name="invocation">How the command is called, for messages, e.g. <c>#!llm-help</c>.</param>
    /// <exception cref="InvalidOptionException">
    /// An unknown option, a missing or malformed value, a missing required option or argument, or a surplus argument.
    /// </exception>
    public static MagicOptionValues Parse(CommandSyntax syntax, IReadOnlyList<string> words, string invocation)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var positionals = new List<string>();
        var help = false;
        var optionsEnded = false;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (optionsEnded || word == "-" || !word.StartsWith('-') || IsNegativeNumber(word))
            {
                positionals.Add(word);
            }
            else if (word == "--")
            {
                optionsEnded = true;
            }
            else if (word.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = word.IndexOf('=');
                var name = eq < 0 ? word[2..] : word[2..eq];
                var inline = eq < 0 ? null : word[(eq + 1)..];
                if (name == "help" && !Declares(syntax, "help"))
                {
                    help = true;
                    continue;
                }

                if (syntax.Options.FirstOrDefault(o => o.Name == name) is { } option)
                {
                    if (option.IsFlag)
                    {
                        if (inline is not null) throw Fail(invocation, $"--{name} is a flag and takes no value (got '{inline}')");
                        Add(values, option, "true", invocation);
                    }
                    else
                    {
                        Add(values, option, inline ?? NextValue(words, ref i, "--" + name, invocation), invocation);
                    }
                }
                else if (syntax.Arguments.FirstOrDefault(a => a.Name == name) is { } argument)
                {
                    var value = inline ?? NextValue(words, ref i, "--" + name, invocation);
                    if (!values.TryGetValue(argument.Name, out var list)) values[argument.Name] = list = [];
                    list.Add(value);
                }
                else
                {
                    throw Fail(invocation, $"unknown option --{name}{Suggestion(syntax, name)}");
                }
            }
            else
            {
                help |= ParseShortGroup(syntax, words, ref i, values, invocation);
            }
        }

        if (help) return new MagicOptionValues(syntax, values, helpRequested: true, []);
        AssignPositionals(syntax, positionals, values, invocation);
        var missing = syntax.Options.Where(o => o.IsRequired && !values.ContainsKey(o.Name)).Select(o => "--" + o.Name)
            .Concat(syntax.Arguments.Where(a => a.IsRequired && !values.ContainsKey(a.Name)).Select(a => a.Name.ToUpperInvariant()))
            .ToArray();
        if (missing.Length > 0)
        {
            throw Fail(invocation, $"missing required {(missing.Length == 1 ? "" : "values ")}{string.Join(", ", missing)}");
        }

        return new MagicOptionValues(syntax, values, helpRequested: false, NoEffectWarnings(syntax, values, invocation));
    }

    /// <returns>Whether the group was <c>-h</c>.</returns>
    private static bool ParseShortGroup(CommandSyntax syntax, IReadOnlyList<string> words, ref int i, Dictionary<string, List<string>> values, string invocation)
    {
        var word = words[i];
        for (var k = 1; k < word.Length; k++)
        {
            var letter = word[k];
            var option = syntax.Options.FirstOrDefault(o => o.ShortName == letter);
            if (option is null)
            {
                if (letter == 'h' && word.Length == 2) return true;
                throw Fail(invocation, $"unknown option -{letter}" + (word.Length > 2 ? $" (in '{word}')" : ""));
            }

            if (option.IsFlag)
            {
                Add(values, option, "true", invocation);
                continue;
            }

            // A value option ends the group: the rest of the word is its value, or else the next word.
            var rest = word[(k + 1)..];
            Add(values, option, rest.Length > 0 ? rest : NextValue(words, ref i, "-" + letter, invocation), invocation);
            return false;
        }

        return false;
    }

    private static void AssignPositionals(CommandSyntax syntax, List<string> positionals, Dictionary<string, List<string>> values, string invocation)
    {
        var next = 0;
        foreach (var argument in syntax.Arguments)
        {
            if (values.ContainsKey(argument.Name)) continue;
            if (next >= positionals.Count) break;
            values[argument.Name] = argument.IsVariadic ? positionals[next..] : [positionals[next]];
            next = argument.IsVariadic ? positionals.Count : next + 1;
        }

        if (next < positionals.Count)
        {
            var expected = syntax.Arguments.Count == 0 ? "it takes no arguments" : $"it takes {string.Join(" ", syntax.Arguments.Select(a => a.Name.ToUpperInvariant()))}";
            throw Fail(invocation, $"unexpected argument '{positionals[next]}' ({expected}; quote values that contain spaces)");
        }
    }

    private static void Add(Dictionary<string, List<string>> values, MagicOption option, string value, string invocation)
    {
        Validate(option, value, invocation);
        if (!values.TryGetValue(option.Name, out var list)) values[option.Name] = list = [];
        else if (!option.IsRepeatable) throw Fail(invocation, $"--{option.Name} is given more than once");
        list.Add(value);
    }

    private static void Validate(MagicOption option, string value, string invocation)
    {
        if (option.Choices is { } choices && !choices.Contains(value, StringComparer.Ordinal))
        {
            throw Fail(invocation, $"--{option.Name} must be one of {string.Join(", ", choices)} (got '{value}')");
        }

        switch (option.Kind)
        {
            case MagicValueKind.Integer:
                CheckRange(option, ParseInteger(option, value, value, invocation), value, invocation);
                break;
            case MagicValueKind.Number:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    throw Fail(invocation, $"--{option.Name} expects a number (got '{value}')");
                }

                CheckRange(option, number, value, invocation);
                break;
            case MagicValueKind.IntegerList:
                var items = value.Split(',', StringSplitOptions.TrimEntries);
                if (items.Any(i => i.Length == 0))
                {
                    throw Fail(invocation, $"--{option.Name} '{value}' has an empty item; give whole numbers separated by commas, e.g. 1,4,16");
                }

                foreach (var item in items) CheckRange(option, ParseInteger(option, item, value, invocation), item, invocation);
                break;
        }
    }

    private static int ParseInteger(MagicOption option, string item, string value, string invocation) =>
        int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number
            : throw Fail(invocation, option.Kind == MagicValueKind.IntegerList
                ? $"--{option.Name} '{value}' must be whole numbers separated by commas, e.g. 1,4,16"
                : $"--{option.Name} expects an integer (got '{value}')");

    private static void CheckRange(MagicOption option, double number, string text, string invocation)
    {
        var low = option.Minimum is { } min && (option.MinimumIsExclusive ? number <= min : number < min);
        var high = option.Maximum is { } max && number > max;
        if (low || high) throw Fail(invocation, $"--{option.Name} {text} is out of range; it must be {option.RangeText}");
    }

    /// <summary>Options given without the option that gives them an effect (<see cref="MagicOption.OnlyWith"/>).</summary>
    private static string[] NoEffectWarnings(CommandSyntax syntax, Dictionary<string, List<string>> values, string invocation) =>
        syntax.Options
            .Where(o => o.OnlyWith is { } other && values.ContainsKey(o.Name) && !values.ContainsKey(other))
            .Select(o => $"{invocation}: warning: --{o.Name} has no effect without --{o.OnlyWith}")
            .ToArray();

    private static string NextValue(IReadOnlyList<string> words, ref int i, string option, string invocation)
    {
        if (i + 1 >= words.Count || (words[i + 1].StartsWith("--", StringComparison.Ordinal) && words[i + 1].Length > 2))
        {
            throw Fail(invocation, $"{option} needs a value");
        }

        return words[++i];
    }

    private static bool Declares(CommandSyntax syntax, string name) => syntax.Options.Any(o => o.Name == name);

    private static bool IsNegativeNumber(string word) =>
        word.Length > 1 && double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Suggestion(CommandSyntax syntax, string name)
    {
        var best = syntax.Options.Select(o => o.Name).Concat(syntax.Arguments.Select(a => a.Name))
            .Select(n => (Name: n, Distance: EditDistance(n, name)))
            .OrderBy(p => p.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3) ? $" (did you mean --{best.Name}?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static InvalidOptionException Fail(string invocation, string problem) =>
        new($"{invocation}: {problem}. Run `{invocation} --help` for usage.");
}
