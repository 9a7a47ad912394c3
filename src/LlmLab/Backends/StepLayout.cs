using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// Layout of one forward step: <paramref name="Batch"/> sequences of <paramref name="TokensPerSequence"/>
/// new tokens each, the first at <paramref name="StartPosition"/>. <paramref name="Positions"/> holds the
/// same positions on the device (I32 [rows, 1]) so replayed CUDA graphs read them there.
/// </summary>
public sealed record StepLayout(int Batch, int TokensPerSequence, int StartPosition, DeviceTensor Positions)
{
    /// <summary>Rows of the step's activations.</summary>
    public int Rows => Batch * TokensPerSequence;

    /// <summary>Cache length after this step.</summary>
    public int EndPosition => StartPosition + TokensPerSequence;
}
