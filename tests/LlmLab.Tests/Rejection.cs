namespace LlmLab.Tests;

/// <summary>Asserts that bad input is rejected with the exact exception type and a message that says where and what.</summary>
internal static class Rejection
{
    /// <summary>
    /// Runs <paramref name="action"/>, expects exactly <typeparamref name="T"/>, and checks that the message
    /// contains every one of <paramref name="parts"/> (case-insensitive): the file, the field or tensor, the problem.
    /// </summary>
    public static T Expect<T>(Action action, params string[] parts) where T : LlmLabException
    {
        var e = Assert.Throws<T>(action);
        foreach (var part in parts)
            Assert.True(e.Message.Contains(part, StringComparison.OrdinalIgnoreCase), $"message lacks \"{part}\": {e.Message}");
        return e;
    }
}
