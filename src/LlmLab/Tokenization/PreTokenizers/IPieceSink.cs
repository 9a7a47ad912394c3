namespace LlmLab.Tokenization;

/// <summary>
/// Receives the pieces a pre-tokenizer produces, one at a time, so that the pipeline streams
/// from the regex to the BPE model without lists proportional to the text.
/// </summary>
internal interface IPieceSink
{
    void Add(in TextPiece piece);
}
