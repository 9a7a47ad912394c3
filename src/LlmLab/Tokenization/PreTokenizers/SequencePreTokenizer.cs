namespace LlmLab.Tokenization;

/// <summary>Runs its steps one after the other: each piece a step produces goes straight into the next step.</summary>
internal sealed class SequencePreTokenizer(PreTokenizer[] steps) : PreTokenizer
{
    public override void Split(in TextPiece piece, IPieceSink output)
    {
        if (steps.Length == 0)
        {
            output.Add(piece);
            return;
        }
        IPieceSink sink = output;
        for (int i = steps.Length - 1; i >= 1; i--) sink = new StepSink(steps[i], sink);
        steps[0].Split(piece, sink);
    }

    /// <summary>Feeds each piece it receives to one step, whose pieces go on to the next sink.</summary>
    private sealed class StepSink(PreTokenizer step, IPieceSink next) : IPieceSink
    {
        public void Add(in TextPiece piece) => step.Split(piece, next);
    }
}
