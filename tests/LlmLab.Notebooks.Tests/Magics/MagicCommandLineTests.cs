using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class MagicCommandLineTests
{
    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("--prompt \"Once upon a time\" -n 5", new[] { "--prompt", "Once upon a time", "-n", "5" })]
    [InlineData("'single \"quoted\"' x", new[] { "single \"quoted\"", "x" })]
    [InlineData("\"say \\\"hi\\\" \\\\ now\"", new[] { "say \"hi\" \\ now" })]
    [InlineData("path\\ with\\ spaces", new[] { "path with spaces" })]
    [InlineData("--empty \"\"", new[] { "--empty", "" })]
    [InlineData("a\"b c\"d", new[] { "ab cd" })]
    public void Words_are_split_like_a_posix_shell(string line, string[] words)
    {
        Assert.Equal(words, MagicCommandLine.Split(line));
    }

    [Fact]
    public void An_unclosed_quote_is_an_error_naming_its_column()
    {
        var error = Assert.Throws<InvalidOptionException>(() => MagicCommandLine.Split("llm-x --prompt \"open"));

        Assert.StartsWith("The double quote at column 16 of `llm-x --prompt \"open` is never closed", error.Message);
    }
}
