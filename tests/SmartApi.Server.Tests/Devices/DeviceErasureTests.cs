using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Server.Tests.Webhooks;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Devices;

/// <summary><c>POST /v1/devices/{id}/erase</c> over real HTTP on SQLite, with a real receiver behind the deliveries (ADR 042).</summary>
public sealed class DeviceErasureTests(WebhookAppFixture fixture) : IClassFixture<WebhookAppFixture>
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Erase_blanks_the_devices_events_and_deliveries_deletes_its_measurements_and_records_who()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) => context.Response.WriteAsync("receiver saw Kitchen coffee machine");
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.updated\"");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var other = await SmartApiApplication.CreateDeviceAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"Kitchen coffee machine"}""")).StatusCode);
        var delivery = await DeliveryWhenAsync(client, (await OnlyDeliveryAsync(client, automation.Id)).Id, d => d.Status == "succeeded");
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        foreach (var id in new[] { device.Id, other.Id })
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await ingestor.IngestAsync(id, new TelemetrySample(Hour.AddSeconds(10 * i), 100 + i, 230, 0.5, 1000 + i, 30), Ct));
            }
        }

        var response = await client.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var erasure = await response.ReadAsync(SmartApiJsonContext.Default.DeviceErasureResponse);
        Assert.StartsWith("era_", erasure.Id);
        Assert.Equal(device.Id, erasure.DeviceId);
        Assert.StartsWith("key_", erasure.ErasedBy);
        Assert.Equal((2L, 1L), (erasure.EventsErased, erasure.DeliveriesErased)); // device.created and device.updated
        Assert.True(erasure.MeasurementsDeleted >= 3, $"{erasure.MeasurementsDeleted} rows: 3 samples and their rollups");

        var events = (await (await client.GetAsync($"/v1/events?deviceId={device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;
        Assert.Equal(["device.created", "device.updated", "device.erased"], events.Select(e => e.Type));
        foreach (var blanked in events.Take(2))
        {
            Assert.Equal("{}", blanked.Data.GetRawText());
            Assert.Equal(erasure.ErasedAt, blanked.ErasedAt);
        }
        var notice = events[2];
        Assert.Null(notice.ErasedAt);
        Assert.Equal((erasure.Id, erasure.ErasedBy, device.Id),
            (notice.Data.GetProperty("erasureId").GetString(), notice.Data.GetProperty("erasedBy").GetString(), notice.Data.GetProperty("deviceId").GetString()));
        var eventText = await (await client.GetAsync($"/v1/events/{events[1].Id}", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("Kitchen", eventText, StringComparison.Ordinal);
        Assert.Contains("\"erasedAt\":", eventText, StringComparison.Ordinal);
        var otherEvent = Assert.Single((await (await client.GetAsync($"/v1/events?deviceId={other.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data);
        Assert.Null(otherEvent.ErasedAt);
        Assert.Equal(other.Id, otherEvent.Data.GetProperty("deviceId").GetString());

        var deliveryText = await (await client.GetAsync($"/v1/deliveries/{delivery.Id}", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Equal("receiver saw Kitchen coffee machine", delivery.Attempts![0].ResponseBody);
        Assert.DoesNotContain("Kitchen", deliveryText, StringComparison.Ordinal);
        Assert.Contains("\"erasedAt\":", deliveryText, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"succeeded\"", deliveryText, StringComparison.Ordinal);

        Assert.Empty(await MeasurementsAsync(client, device.Id));
        Assert.Equal(3, (await MeasurementsAsync(client, other.Id)).Count);
    }

    [Fact]
    public async Task A_delivery_pending_at_erasure_is_not_sent_blank_it_fails_with_the_reason_and_cannot_be_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.updated\"");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"Bedroom heater"}""")).StatusCode);
        // Failed once, waiting for its retry (5 s by default): pending when the erasure comes.
        var pending = await DeliveryWhenAsync(client, (await OnlyDeliveryAsync(client, automation.Id)).Id, d => d.AttemptCount >= 1 && d.Status == "pending");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct)).StatusCode);

        var erased = await (await client.GetAsync($"/v1/deliveries/{pending.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeliveryResponse);
        Assert.Equal("failed", erased.Status);
        Assert.NotNull(erased.ErasedAt);
        Assert.Contains("erased", erased.LastError, StringComparison.Ordinal);
        Assert.Null(erased.NextAttemptAt);
        await (await client.PostAsync($"/v1/deliveries/{pending.Id}/retry", null, Ct)).ProblemAsync(HttpStatusCode.Conflict, "delivery_erased");
        var bulk = await (await client.PostJsonAsync("/v1/deliveries/retry", $$"""{"automationId":"{{automation.Id}}"}"""))
            .ReadAsync(SmartApiJsonContext.Default.RetryDeliveriesResponse);
        Assert.Equal((0, false), (bulk.Queued, bulk.More));
        var recovered = await client.PostJsonAsync($"/v1/automations/{automation.Id}/recover", $$"""{"since":"{{pending.CreatedAt.AddMinutes(-1):O}}"}""");
        Assert.True(recovered.IsSuccessStatusCode, await recovered.Content.ReadAsStringAsync(Ct));
        var after = await (await client.GetAsync($"/v1/deliveries/{pending.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeliveryResponse);
        Assert.Equal(("failed", erased.AttemptCount), (after.Status, after.AttemptCount));
        Assert.Equal(after.AttemptCount, receiver.Count); // nothing more went out, blank or not
    }

    [Fact]
    public async Task Erase_again_is_safe_and_erases_nothing_twice()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var first = await (await client.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceErasureResponse);

        var second = await (await client.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceErasureResponse);

        Assert.Equal((1L, 0L), (first.EventsErased, second.EventsErased));
        Assert.NotEqual(first.Id, second.Id);
        var events = (await (await client.GetAsync($"/v1/events?deviceId={device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;
        Assert.Equal(["device.created", "device.erased", "device.erased"], events.Select(e => e.Type));
        Assert.Equal(first.ErasedAt, events[0].ErasedAt);
    }

    [Fact]
    public async Task Another_organizations_device_is_404_and_a_read_only_key_is_403()
    {
        var (_, owner) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(owner);
        var (_, stranger) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, reader) = await App.CreateTenantAsync("devices:read");
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        Assert.True(await ingestor.IngestAsync(device.Id, new TelemetrySample(Hour, 100, 230, 0.5, 1000, 30), Ct));

        await (await stranger.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.PostAsync("/v1/devices/dev_nope/erase", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/v1/devices/{device.Id}/erase", null, Ct)).StatusCode);

        var created = Assert.Single((await (await owner.GetAsync($"/v1/events?deviceId={device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data);
        Assert.Null(created.ErasedAt);
        Assert.Equal(device.Id, created.Data.GetProperty("deviceId").GetString());
        // The store's measurement delete is by device id only: the organization check in front of it keeps this sample.
        Assert.Single(await MeasurementsAsync(owner, device.Id));
    }

    private static async Task<IReadOnlyList<MeasurementPoint>> MeasurementsAsync(HttpClient client, string deviceId) =>
        (await (await client.GetAsync($"/v1/devices/{deviceId}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint)).Data;
}
