namespace LlmLab.Tokenization;

/// <summary>Receives the matches of a <see cref="TextPattern"/>, left to right.</summary>
internal interface IMatchSink
{
    void OnMatch(int start, int length);
}
