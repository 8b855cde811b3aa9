using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Tests.Events;

/// <summary>
/// Event data is built and serialized per MQTT message: serializing a record through the catalog's context
/// (with the modifier that leaves deviceId and sequence to the store) allocates nothing but the JSON string,
/// and building an event allocates only its id, data string and record.
/// </summary>
public sealed class EventDataAllocationTests
{
    private static object? _sink;

    private static long Measure(Func<object> action)
    {
        for (var i = 0; i < 20; i++)
        {
            _sink = action();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _sink = action();
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    private static long StringSize(string s) => (22 + 2L * s.Length + 7) / 8 * 8;

    [Fact]
    public void Serializing_event_data_allocates_only_the_string()
    {
        var switched = new DeviceSwitchedData("dev_01JD3V8M8Y4V5T6W7X8Y9Z0ABC", EventFactory.AssignedOnAppend, "on", "off", "button", null);
        var json = JsonSerializer.Serialize(switched, EventDataJson.Writer<DeviceSwitchedData>.TypeInfo);
        Assert.Equal("""{"state":"on","previousState":"off","source":"button","commandId":null}""", json);

        Assert.Equal(StringSize(json), Measure(() => JsonSerializer.Serialize(switched, EventDataJson.Writer<DeviceSwitchedData>.TypeInfo)));

        var reported = new EnergyReportedData("dev_1", EventFactory.AssignedOnAppend,
            new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 1, 11, 0, 0, TimeSpan.Zero), 12.5);
        var reportedJson = JsonSerializer.Serialize(reported, EventDataJson.Writer<EnergyReportedData>.TypeInfo);
        Assert.Equal("""{"periodStart":"2030-01-01T10:00:00Z","periodEnd":"2030-01-01T11:00:00Z","energyWh":12.5}""", reportedJson);
        Assert.Equal(StringSize(reportedJson), Measure(() => JsonSerializer.Serialize(reported, EventDataJson.Writer<EnergyReportedData>.TypeInfo)));
    }

    [Fact]
    public void Creating_an_event_allocates_its_id_data_and_record_only()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var ids = new IdGenerator(time);
        var factory = new EventFactory(ids, time);
        var switched = new DeviceSwitchedData("dev_01JD3V8M8Y4V5T6W7X8Y9Z0ABC", EventFactory.AssignedOnAppend, "on", "off", "button", null);

        var created = factory.Create(WebhookEventTypes.DeviceSwitched, "org_1", switched);
        Assert.Equal(switched.DeviceId, created.DeviceId);

        var id = Measure(() => ids.New("evt"));
        var data = Measure(() => JsonSerializer.Serialize(switched, EventDataJson.Writer<DeviceSwitchedData>.TypeInfo));
        var record = Measure(() => new NewEvent("evt_1", "org_1", "t", "dev_1", DateTimeOffset.MinValue, "{}"));
        Assert.Equal(id + data + record, Measure(() => factory.Create(WebhookEventTypes.DeviceSwitched, "org_1", switched)));
    }
}
