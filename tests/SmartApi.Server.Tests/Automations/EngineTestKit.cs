using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Automations;

/// <summary>
/// Helpers for the automation engine tests. Device reports are simulated the way the MQTT gateway
/// will produce them: events appended through the store and samples handed to the ingestor.
/// </summary>
internal static class EngineTestKit
{
    public static ISmartApiStore Store(this SmartApiApplication app) => app.Services.GetRequiredService<ISmartApiStore>();

    public static TelemetryIngestor Ingestor(this SmartApiApplication app) => app.Services.GetRequiredService<TelemetryIngestor>();

    public static async Task<AutomationResponse> CreateAutomationAsync(HttpClient client, string json)
    {
        var response = await client.PostJsonAsync("/v1/automations", json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse))!;
    }

    public static async Task<IReadOnlyList<AutomationRunResponse>> RunsAsync(HttpClient client, string automationId)
    {
        var response = await client.GetAsync($"/v1/automations/{automationId}/runs?limit=500");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadAsync(SmartApiJsonContext.Default.PageAutomationRunResponse)).Data;
    }

    /// <summary>Reads the runs until <paramref name="count"/> are finished (runners work asynchronously, woken by the commit).</summary>
    public static async Task<IReadOnlyList<AutomationRunResponse>> FinishedRunsAsync(HttpClient client, string automationId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var runs = await RunsAsync(client, automationId);
            if (runs.Count(r => r.Status != "pending") >= count && runs.All(r => r.Status != "pending"))
            {
                return runs;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} finished runs of {automationId}, got: {string.Join("; ", runs)}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Steps the fake clock a second at a time until <paramref name="done"/> holds (the scheduler re-arms its tick after each round).</summary>
    public static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<Task<bool>> done, int maxSeconds = 120)
    {
        for (var step = 0; step < maxSeconds; step++)
        {
            if (await done())
            {
                return;
            }
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(30);
        }
        Assert.Fail("The expected state did not come while the clock moved on.");
    }

    /// <summary>Lets the scheduler run a few rounds on the fake clock.</summary>
    public static async Task TickAsync(FakeTimeProvider time, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
    }

    /// <summary>What the gateway appends when a device reports its relay switched.</summary>
    public static Task<StoredEvent> DeviceSwitchedAsync(this SmartApiApplication app, string organizationId, string deviceId, string state, string? commandId, string source)
    {
        var data = commandId is null
            ? $$"""{"state":"{{state}}","previousState":"unknown","source":"{{source}}"}"""
            : $$"""{"state":"{{state}}","previousState":"unknown","source":"{{source}}","commandId":"{{commandId}}"}""";
        return app.AppendEventAsync(organizationId, "device.switched", deviceId, data, async tx =>
        {
            var device = await tx.GetDeviceAsync(organizationId, deviceId);
            await tx.UpdateDeviceAsync(device! with { Switch = state });
        });
    }

    public static Task<StoredEvent> ButtonPressedAsync(this SmartApiApplication app, string organizationId, string deviceId) =>
        app.AppendEventAsync(organizationId, "device.button_pressed", deviceId, """{"pressType":"single"}""");

    public static Task<StoredEvent> AppendEventAsync(this SmartApiApplication app, string organizationId, string type, string? deviceId, string data,
        Func<IStoreTransaction, ValueTask>? before = null)
    {
        var ids = app.Services.GetRequiredService<IdGenerator>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        return app.Store().AppendEventAsync(new NewEvent(ids.New("evt"), organizationId, type, deviceId, time.GetUtcNow(), data), before);
    }

    public static async Task<Command> CommandAsync(this SmartApiApplication app, string organizationId, string deviceId, string commandId) =>
        await app.Store().GetCommandAsync(organizationId, deviceId, commandId) ?? throw new InvalidOperationException($"No command {commandId}.");

    public static async Task<IReadOnlyList<Command>> CommandsAsync(this SmartApiApplication app, string organizationId, string deviceId) =>
        (await app.Store().ListCommandsAsync(organizationId, deviceId, new PageRequest(null, 500))).Items;
}
