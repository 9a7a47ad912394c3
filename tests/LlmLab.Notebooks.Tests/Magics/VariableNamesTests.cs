using LlmLab.Notebooks.Magics;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Notebooks.Tests.Magics;

/// <summary>
/// <see cref="VariableNames"/> checks names without Roslyn; Roslyn's own <see cref="SyntaxFacts"/> (5.12, which this
/// test project has through LlmLab's scripting engine) is the reference it must agree with.
/// </summary>
public sealed class VariableNamesTests
{
    [Fact]
    public void Every_reserved_keyword_of_Roslyn_is_refused_and_nothing_else_is_called_reserved()
    {
        var roslyn = SyntaxFacts.GetReservedKeywordKinds().Select(SyntaxFacts.GetText).ToHashSet(StringComparer.Ordinal);

        Assert.All(roslyn, keyword => Assert.True(VariableNames.IsReservedKeyword(keyword), keyword));
        Assert.All(roslyn, keyword => Assert.False(VariableNames.IsValid(keyword), keyword));
        // Every name Roslyn does not reserve, among all keyword-looking words it knows, is a valid variable name.
        var contextual = SyntaxFacts.GetContextualKeywordKinds().Select(SyntaxFacts.GetText).Where(w => !roslyn.Contains(w)).ToArray();
        Assert.NotEmpty(contextual);
        Assert.All(contextual, word => Assert.False(VariableNames.IsReservedKeyword(word), word));
    }

    [Theory]
    [InlineData("var")]
    [InlineData("async")]
    [InlineData("value")]
    [InlineData("record")]
    public void Contextual_keywords_are_valid_variable_names(string name)
    {
        Assert.True(VariableNames.IsValid(name));
    }

    [Fact]
    public void Every_utf16_code_unit_starts_and_continues_an_identifier_exactly_when_Roslyn_says_so()
    {
        var disagreements = new List<string>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var start = ((char)c).ToString();
            var part = "a" + (char)c;
            if (VariableNames.IsIdentifier(start) != SyntaxFacts.IsValidIdentifier(start)) disagreements.Add($"start U+{c:X4}");
            if (VariableNames.IsIdentifier(part) != SyntaxFacts.IsValidIdentifier(part)) disagreements.Add($"part U+{c:X4}");
        }

        Assert.Empty(disagreements);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("_bench2")]
    [InlineData("modèle")]
    [InlineData("模型")]
    [InlineData("")]
    [InlineData("2model")]
    [InlineData("my-model")]
    [InlineData("@class")]
    [InlineData("a b")]
    public void Names_agree_with_Roslyn(string name)
    {
        var roslyn = SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

        Assert.Equal(roslyn, VariableNames.IsValid(name));
    }

    [Fact]
    public void A_keyword_is_refused_with_a_message_saying_it_is_a_keyword()
    {
        var error = Assert.Throws<InvalidOptionException>(() => VariableNames.Validate("class"));

        Assert.Equal("'class' cannot be a variable name: it is a C# keyword.", error.Message);
    }

    [Fact]
    public void A_malformed_name_is_refused_with_the_identifier_rule()
    {
        var error = Assert.Throws<InvalidOptionException>(() => VariableNames.Validate("my-model"));

        Assert.Equal("'my-model' cannot be a variable name: a C# identifier starts with a letter or _ and holds letters, digits and _.", error.Message);
    }
}
