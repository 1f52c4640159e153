using System.Diagnostics.Metrics;
using Fastsocket.Diagnostics;

namespace Fastsocket.Tests.Diagnostics;

/// <summary>One measurement of the Fastsocket meter as a listener received it.</summary>
public sealed record RecordedMeasurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public bool Has(string key, object value) => Tags.TryGetValue(key, out object? tag) && Equals(tag, value);
}

/// <summary>
/// A <see cref="MeterListener"/> on the <c>Fastsocket</c> meter, the way dotnet-counters or OpenTelemetry listens:
/// <see cref="Collect"/> asks every observable instrument for its measurements now.
/// </summary>
public sealed class MeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<RecordedMeasurement> _recorded = [];

    public MeterReader()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FastsocketMetrics.MeterName)
            {
                lock (_lock)
                {
                    Published.Add(instrument);
                }
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The meter's instruments this listener was told about.</summary>
    public List<Instrument> Published { get; } = [];

    /// <summary>Every measurement of one collection, all stacks in the process included.</summary>
    public IReadOnlyList<RecordedMeasurement> Collect()
    {
        lock (_lock)
        {
            _recorded.Clear();
        }
        _listener.RecordObservableInstruments();
        lock (_lock)
        {
            return [.. _recorded];
        }
    }

    /// <summary>The one measurement of <paramref name="instrument"/> for <paramref name="stack"/> with the given extra tag, if any.</summary>
    public static RecordedMeasurement? Find(IEnumerable<RecordedMeasurement> measurements, string instrument, string stack, string? tag = null, object? tagValue = null)
    {
        RecordedMeasurement[] found = measurements
            .Where(m => m.Instrument == instrument && m.Has(FastsocketMetrics.StackTag, stack) && (tag is null || m.Has(tag, tagValue!)))
            .ToArray();
        Assert.True(found.Length <= 1, $"{found.Length} measurements of {instrument} for {stack}");
        return found.SingleOrDefault();
    }

    /// <summary>The value of <paramref name="instrument"/> for <paramref name="stack"/>; fails when it was not reported.</summary>
    public static double Value(IEnumerable<RecordedMeasurement> measurements, string instrument, string stack, string? tag = null, object? tagValue = null)
    {
        RecordedMeasurement? found = Find(measurements, instrument, stack, tag, tagValue);
        Assert.True(found is not null, $"no measurement of {instrument} for stack {stack}{(tag is null ? "" : $" with {tag}={tagValue}")}");
        return found.Value;
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var tagMap = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            tagMap[tag.Key] = tag.Value;
        }
        var measurement = new RecordedMeasurement(instrument.Name, instrument.Unit, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), tagMap);
        lock (_lock)
        {
            _recorded.Add(measurement);
        }
    }

    public void Dispose() => _listener.Dispose();
}
