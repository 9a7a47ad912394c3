namespace LlmLab.Tokenization;

/// <summary>Runs its steps one after the other, each over all the pieces the previous one produced.</summary>
internal sealed class SequencePreTokenizer(PreTokenizer[] steps) : PreTokenizer
{
    public override void Split(in TextPiece piece, List<TextPiece> output)
    {
        var pieces = new List<TextPiece> { piece };
        var scratch = new List<TextPiece>();
        foreach (var step in steps) step.SplitAll(ref pieces, ref scratch);
        output.AddRange(pieces);
    }
}
