using LlmLab.Models;

namespace LlmLab.Tests.Models;

public sealed class EmbeddedModelTests
{
    [Fact]
    public void Without_a_path_the_embedded_model_is_found_above_the_program()
    {
        Assert.Equal(Path.GetFullPath(Fixtures.BrownModel), EmbeddedModel.Resolve(null));
    }

    [Fact]
    public void A_given_path_is_made_absolute_and_not_searched()
    {
        Assert.Equal(Path.GetFullPath("some/model"), EmbeddedModel.Resolve("some/model"));
    }

    [Fact]
    public void The_held_out_text_is_found_beside_the_model()
    {
        Assert.Equal(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt"), EmbeddedModel.FindHeldOutText());
    }
}
