namespace LlmLab.Tokenization;

/// <summary>Runs its post-processors in order.</summary>
internal sealed class SequencePostProcessor(PostProcessor[] steps) : PostProcessor
{
    public override List<int> AddSpecialTokens(List<int> ids)
    {
        foreach (var step in steps) ids = step.AddSpecialTokens(ids);
        return ids;
    }

    public override int? LeadingSpecialTokenId => steps.Select(s => s.LeadingSpecialTokenId).FirstOrDefault(id => id is not null);
}
