namespace LlmLab.Tokenization;

/// <summary>A sink that keeps the pieces in a list (tests, diagnostics).</summary>
internal sealed class PieceList : List<TextPiece>, IPieceSink
{
    void IPieceSink.Add(in TextPiece piece) => Add(piece);
}
