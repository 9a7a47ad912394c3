namespace LlmLab.Backends;

/// <summary>
/// A backend that can record a sequence of queued ops once and replay it (CUDA graphs), so a decode
/// step costs one launch instead of hundreds. The session captures a step whose shapes repeat and
/// replays it while only device-side inputs (ids, positions) change.
/// </summary>
public interface IGraphCapture
{
    /// <summary>Starts recording the ops queued from now on.</summary>
    void BeginCapture();

    /// <summary>Stops recording and returns the replayable graph.</summary>
    CapturedGraph EndCapture();
}
