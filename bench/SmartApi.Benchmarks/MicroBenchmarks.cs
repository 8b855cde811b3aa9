using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Benchmarks;

/// <summary>The per-event CPU work outside SQLite: ids, the event's data, and its composition with deviceId and sequence.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class EventMicroBenchmarks
{
    private const string DeviceId = "dev_01JD3V8M8Y4V5T6W7X8Y9Z0ABC";
    private readonly IdGenerator _ids = new(TimeProvider.System);
    private readonly string _dataJson = JsonSerializer.Serialize(
        new DeviceChangedData(DeviceId, EventFactory.AssignedOnAppend, "DT31-000123", "Coffee machine",
            new Dictionary<string, WebhookFieldChange> { ["name"] = new(JsonSerializer.SerializeToElement("Old", SmartApiJsonContext.Default.String)) }),
        EventDataJson.Writer<DeviceChangedData>.TypeInfo);

    [Benchmark]
    public string IdGeneratorNew() => _ids.New("evt");

    [Benchmark]
    public string EventDataCompose() => EventData.Compose(DeviceId, 42, _dataJson);

    private readonly DeviceChangedData _data = new(DeviceId, EventFactory.AssignedOnAppend, "DT31-000123", "Coffee machine", NoChanges.Value);

    [Benchmark]
    public string SerializeDeviceChangedData() => JsonSerializer.Serialize(_data, EventDataJson.Writer<DeviceChangedData>.TypeInfo);
}
