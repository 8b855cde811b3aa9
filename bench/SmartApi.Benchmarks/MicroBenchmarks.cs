using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SmartApi.Server.Events;
using SmartApi.Storage;

namespace SmartApi.Benchmarks;

/// <summary>The per-event CPU work outside SQLite: ids, the event's data, and its composition with deviceId and sequence.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class EventMicroBenchmarks
{
    private const string DeviceId = "dev_01JD3V8M8Y4V5T6W7X8Y9Z0ABC";
    private readonly IdGenerator _ids = new(TimeProvider.System);
    private readonly string _dataJson = JsonSerializer.Serialize(
        new DeviceChangedData("DT31-000123", "Coffee machine", new() { ["name"] = new FieldChange(JsonSerializer.SerializeToElement("Old", EventDataJsonContext.Default.String)) }),
        EventDataJsonContext.Default.DeviceChangedData);

    [Benchmark]
    public string IdGeneratorNew() => _ids.New("evt");

    [Benchmark]
    public string EventDataCompose() => EventData.Compose(DeviceId, 42, _dataJson);

    private readonly DeviceChangedData _data = new("DT31-000123", "Coffee machine", []);

    [Benchmark]
    public string SerializeDeviceChangedData() => JsonSerializer.Serialize(_data, EventDataJsonContext.Default.DeviceChangedData);
}
