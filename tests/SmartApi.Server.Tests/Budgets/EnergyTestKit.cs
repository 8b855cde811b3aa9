using SmartApi.Contracts;
using SmartApi.Server.Tests.Automations;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>Samples written straight to the store (their energy as given), and the events the energy tests look for.</summary>
internal static class EnergyTestKit
{
    public static Task<bool> SampleAsync(this SmartApiApplication app, string deviceId, DateTimeOffset at, double deltaWh) => app.Store().WriteAsync(async tx =>
    {
        await tx.InsertMeasurementsAsync([new MeasurementRow(deviceId, new Measurement(at, 100, null, null, null, deltaWh), deltaWh)]);
        return true;
    }, TestContext.Current.CancellationToken);

    public static async Task<IReadOnlyList<EventResponse>> EventsOfTypeAsync(this HttpClient client, string type) =>
        (await (await client.GetAsync($"/v1/events?types={type}&limit=500", TestContext.Current.CancellationToken))
            .ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;
}
