using LlmLab.Backends;

namespace LlmLab.Measurement;

/// <summary>Reads a device's sensors on a background thread until stopped.</summary>
internal sealed class TelemetrySampler : IDisposable
{
    private readonly ITelemetrySource _source;
    private readonly List<TelemetrySample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    private TelemetrySampler(ITelemetrySource source, TimeSpan period)
    {
        _source = source;
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var s = _source.Sample();
                lock (_samples) _samples.Add(s);
                _stop.Token.WaitHandle.WaitOne(period);
            }
        }) { IsBackground = true, Name = "telemetry" };
        _thread.Start();
    }

    /// <summary>Starts sampling, or returns null when the device has no sensors.</summary>
    public static TelemetrySampler? Start(ITelemetrySource? source, TimeSpan period) => source is null ? null : new TelemetrySampler(source, period);

    /// <summary>Stops and returns the samples taken.</summary>
    public IReadOnlyList<TelemetrySample> Stop()
    {
        _stop.Cancel();
        _thread.Join();
        lock (_samples) return _samples.ToArray();
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) Stop();
        _stop.Dispose();
    }
}
