using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Energy;
using SmartApi.Server.Tests.Automations;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>Samples written straight to the store (their energy as given), and the events the energy tests look for.</summary>
internal static class EnergyTestKit
{
    /// <summary>A stored sample and its energy in the rollups, as ingestion writes them (one unit).</summary>
    public static Task<bool> SampleAsync(this SmartApiApplication app, string deviceId, DateTimeOffset at, double deltaWh) => app.Store().WriteAsync(async tx =>
    {
        var organizationId = (await tx.GetEnergyStateAsync(deviceId))!.OrganizationId;
        await tx.InsertMeasurementsAsync([new MeasurementRow(deviceId, new Measurement(at, 100, null, null, null, deltaWh), deltaWh)]);
        await tx.AddEnergySlotsAsync([Slot(organizationId, deviceId, at, deltaWh)]);
        return true;
    }, TestContext.Current.CancellationToken);

    /// <summary>Energy in the rollups alone: what remains of a sample once retention has pruned the raw measurements.</summary>
    public static Task<bool> RollupOnlyAsync(this SmartApiApplication app, string deviceId, DateTimeOffset at, double deltaWh) => app.Store().WriteAsync(async tx =>
    {
        await tx.AddEnergySlotsAsync([Slot((await tx.GetEnergyStateAsync(deviceId))!.OrganizationId, deviceId, at, deltaWh)]);
        return true;
    }, TestContext.Current.CancellationToken);

    private static EnergySlotTotals Slot(string organizationId, string deviceId, DateTimeOffset at, double deltaWh) =>
        new(organizationId, deviceId, LocalCalendar.SlotStart(at), deltaWh, 1, 100, 0, 100, 0, 0);

    public static async Task<IReadOnlyList<EventResponse>> EventsOfTypeAsync(this HttpClient client, string type) =>
        (await (await client.GetAsync($"/v1/events?types={type}&limit=500", TestContext.Current.CancellationToken))
            .ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;

    /// <summary>The <c>device.energy.reported</c> events of the period starting at <paramref name="start"/>.</summary>
    public static List<EventResponse> ReportsOfPeriod(IEnumerable<EventResponse> reports, DateTimeOffset start) =>
        [.. reports.Where(r => r.Data.GetProperty("periodStart").GetDateTimeOffset() == start)];

    /// <summary>
    /// Steps the clock a minute at a time (the reporter wakes each quarter hour) until <paramref name="count"/>
    /// reports of <paramref name="periodStart"/> (any period when null) exist, and returns all reports.
    /// </summary>
    public static async Task<IReadOnlyList<EventResponse>> AdvanceUntilReportedAsync(FakeTimeProvider time, HttpClient client, int count, DateTimeOffset? periodStart = null)
    {
        for (var step = 0; step < 60; step++)
        {
            var reports = await client.EventsOfTypeAsync("device.energy.reported");
            if ((periodStart is { } start ? ReportsOfPeriod(reports, start).Count : reports.Count) >= count)
            {
                return reports;
            }
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Fail("No energy report while the clock moved on.");
        return [];
    }
}
