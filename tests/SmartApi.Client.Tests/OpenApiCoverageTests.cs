using System.Text.Json;
using System.Text.RegularExpressions;
using SmartApi.Contracts;
using SmartApi.Server.Tests;

namespace SmartApi.Client.Tests;

/// <summary>
/// The client and the OpenAPI document agree: every operation of /openapi/v1.json has a client call
/// in this table, and running that call sends the operation's method to a path that matches its
/// template. An operation added to the server without a client call fails here.
/// </summary>
public sealed class OpenApiCoverageTests(ClientFixture fixture) : ClientTest(fixture)
{
    private const string Dev = "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB";
    private const string Id = "x_01M8BQWSSN0C43SSNM7Z9ZPGRB";

    private static readonly AutomationRequest Automation = new("n", true, new(["*"]), [], []);

    private static readonly Dictionary<string, Func<SmartApiClient, CancellationToken, Task>> Calls = new(StringComparer.Ordinal)
    {
        ["ListOrganizations"] = (c, ct) => c.Organizations.ListPageAsync(cancellationToken: ct),
        ["CreateOrganization"] = (c, ct) => c.Organizations.CreateAsync(new("coverage"), cancellationToken: ct),
        ["GetOrganization"] = (c, ct) => c.Organizations.GetAsync("org_01M8BQWSSN0C43SSNM7Z9ZPGRB", ct),
        ["UpdateOrganization"] = (c, ct) => c.Organizations.UpdateAsync("org_01M8BQWSSN0C43SSNM7Z9ZPGRB", new(Name: "coverage"), ct),
        ["GetOwnOrganization"] = (c, ct) => c.Organizations.GetOwnAsync(ct),
        ["UpdateOwnOrganization"] = (c, ct) => c.Organizations.UpdateOwnAsync(new(TimeZone: "UTC"), ct),
        ["ListApiKeys"] = (c, ct) => c.ApiKeys.ListPageAsync(cancellationToken: ct),
        ["CreateApiKey"] = (c, ct) => c.ApiKeys.CreateAsync(new("coverage", ["devices:read"]), cancellationToken: ct),
        ["GetApiKey"] = (c, ct) => c.ApiKeys.GetAsync(Id, ct),
        ["RevokeApiKey"] = (c, ct) => c.ApiKeys.RevokeAsync(Id, cancellationToken: ct),
        ["ListDevices"] = (c, ct) => c.Devices.ListPageAsync(cancellationToken: ct),
        ["CountDevices"] = (c, ct) => c.Devices.CountAsync(cancellationToken: ct),
        ["CreateDevice"] = (c, ct) => c.Devices.CreateAsync(new("DT31-" + Guid.NewGuid().ToString("N")[..10], "coverage"), cancellationToken: ct),
        ["GetDevice"] = (c, ct) => c.Devices.GetAsync(Dev, ct),
        ["UpdateDevice"] = (c, ct) => c.Devices.UpdateAsync(Dev, new(Name: "n"), ct),
        ["DeleteDevice"] = (c, ct) => c.Devices.DeleteAsync(Dev, ct),
        ["EraseDevice"] = (c, ct) => c.Devices.EraseAsync(Dev, cancellationToken: ct),
        ["RotateDeviceCredentials"] = (c, ct) => c.Devices.RotateCredentialsAsync(Dev, cancellationToken: ct),
        ["SwitchDevice"] = (c, ct) => c.Devices.SwitchAsync(Dev, SwitchAction.Toggle, cancellationToken: ct),
        ["ListDeviceCommands"] = (c, ct) => c.Devices.ListCommandsPageAsync(Dev, cancellationToken: ct),
        ["SwitchDevices"] = (c, ct) => c.Devices.SwitchAsync(DeviceSelector.Ids([Dev]), SwitchAction.Off, cancellationToken: ct),
        ["GetCommandBatch"] = (c, ct) => c.Devices.GetSwitchBatchAsync("cmb_01M8BQWSSN0C43SSNM7Z9ZPGRB", ct),
        ["GetDeviceCommand"] = (c, ct) => c.Devices.GetCommandAsync(Dev, "cmd_01M8BQWSSN0C43SSNM7Z9ZPGRB", ct),
        ["ListDeviceMeasurements"] = (c, ct) => c.Devices.ListMeasurementsPageAsync(Dev, cancellationToken: ct),
        ["GetDeviceEnergy"] = (c, ct) => c.Energy.GetDeviceAsync(Dev, cancellationToken: ct),
        ["GetOrganizationEnergy"] = (c, ct) => c.Energy.GetOrganizationAsync(cancellationToken: ct),
        ["ExportMeasurements"] = (c, ct) => c.Exports.OpenMeasurementsAsync(new(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, [Dev]), ct),
        ["ExportEnergy"] = (c, ct) => c.Exports.OpenEnergyAsync(new(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, DeviceIds: [Dev]), ct),
        ["ListEvents"] = (c, ct) => c.Events.ListPageAsync(cancellationToken: ct),
        ["GetEvent"] = (c, ct) => c.Events.GetAsync("evt_01M8BQWSSN0C43SSNM7Z9ZPGRB", ct),
        ["ListEventTypes"] = (c, ct) => c.Events.ListTypesAsync(ct),
        ["StreamEvents"] = StreamOnceAsync,
        ["ListAutomations"] = (c, ct) => c.Automations.ListPageAsync(cancellationToken: ct),
        ["CreateAutomation"] = (c, ct) => c.Automations.CreateAsync(Automation, cancellationToken: ct),
        ["GetAutomation"] = (c, ct) => c.Automations.GetAsync(Id, ct),
        ["UpdateAutomation"] = (c, ct) => c.Automations.UpdateAsync(Id, Automation, ct),
        ["DeleteAutomation"] = (c, ct) => c.Automations.DeleteAsync(Id, ct),
        ["TestAutomation"] = (c, ct) => c.Automations.TestAsync(Id, cancellationToken: ct),
        ["RotateAutomationSecret"] = (c, ct) => c.Automations.RotateSecretAsync(Id, cancellationToken: ct),
        ["RecoverAutomationDeliveries"] = (c, ct) => c.Automations.RecoverAsync(Id, DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: ct),
        ["ListAutomationRuns"] = (c, ct) => c.Automations.ListRunsPageAsync(Id, cancellationToken: ct),
        ["ListDeliveries"] = (c, ct) => c.Deliveries.ListPageAsync(cancellationToken: ct),
        ["GetDelivery"] = (c, ct) => c.Deliveries.GetAsync(Id, ct),
        ["RetryDelivery"] = (c, ct) => c.Deliveries.RetryAsync(Id, cancellationToken: ct),
        ["RetryDeliveries"] = (c, ct) => c.Deliveries.RetryFailedAsync(new(AutomationId: Id), cancellationToken: ct),
        ["CreatePortalSession"] = (c, ct) => c.PortalSessions.CreateAsync(new([Id]), cancellationToken: ct),
        ["ListPortalSessions"] = (c, ct) => c.PortalSessions.ListPageAsync(cancellationToken: ct),
        ["GetPortalSession"] = (c, ct) => c.PortalSessions.GetAsync(Id, ct),
        ["RevokePortalSession"] = (c, ct) => c.PortalSessions.RevokeAsync(Id, ct),
        ["CreateTariff"] = (c, ct) => c.Tariffs.CreateAsync(new("coverage", "CHF", [new("2026-01-01", null, 0.25)]), cancellationToken: ct),
        ["ListTariffs"] = (c, ct) => c.Tariffs.ListPageAsync(cancellationToken: ct),
        ["GetTariff"] = (c, ct) => c.Tariffs.GetAsync(Id, ct),
        ["UpdateTariff"] = (c, ct) => c.Tariffs.UpdateAsync(Id, new(Name: "n"), ct),
        ["DeleteTariff"] = (c, ct) => c.Tariffs.DeleteAsync(Id, ct),
        ["GetCurrentPortalSession"] = (c, ct) => c.PortalSessions.GetCurrentAsync(ct),
        ["CreateBudget"] = (c, ct) => c.Budgets.CreateAsync(new("coverage", Tag: "room:kitchen", Period: "day", EnergyWh: 1), cancellationToken: ct),
        ["ListBudgets"] = (c, ct) => c.Budgets.ListPageAsync(cancellationToken: ct),
        ["GetBudget"] = (c, ct) => c.Budgets.GetAsync(Id, ct),
        ["UpdateBudget"] = (c, ct) => c.Budgets.UpdateAsync(Id, new(Name: "n"), ct),
        ["DeleteBudget"] = (c, ct) => c.Budgets.DeleteAsync(Id, ct),
    };

    /// <summary>Connects to the stream and stops once connected: no event needs to come.</summary>
    private static async Task StreamOnceAsync(SmartApiClient client, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var options = new EventStreamOptions { Connected = stop.Cancel };
        try
        {
            await foreach (var _ in client.Events.StreamAsync(options, stop.Token))
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    [Fact]
    public async Task Every_operation_of_the_document_is_reachable_through_the_client()
    {
        using var http = Fixture.App.CreateClient();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json", Ct));
        var operations = new List<(string OperationId, string Method, string Path)>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.TryGetProperty("operationId", out _)))
            {
                operations.Add((operation.Value.GetProperty("operationId").GetString()!, operation.Name.ToUpperInvariant(), path.Name));
            }
        }
        Assert.True(operations.Count >= 30, $"only {operations.Count} operations in the document");
        var missing = operations.Where(o => !Calls.ContainsKey(o.OperationId)).Select(o => $"{o.OperationId} ({o.Method} {o.Path})").ToList();
        Assert.True(missing.Count == 0, "Operations without a client call: " + string.Join(", ", missing));
        var stale = Calls.Keys.Except(operations.Select(o => o.OperationId)).ToList();
        Assert.True(stale.Count == 0, "Client calls for operations the document no longer has: " + string.Join(", ", stale));

        var recorder = new RecordingHandler();
        using var client = Fixture.Client(SmartApiApplication.AdminKey, recorder, o => o.MaxRetries = 0);
        foreach (var (operationId, method, path) in operations)
        {
            recorder.Requests.Clear();
            try
            {
                await Calls[operationId](client, Ct);
            }
            catch (SmartApiException ex) when ((int)ex.StatusCode is >= 400 and < 500)
            {
                // Placeholder ids answer 404 or 400: the request still reached the operation.
            }
            var template = new Regex("^" + Regex.Replace(Regex.Escape(path), @"\\\{[^/]+?}", "[^/]+") + "$");
            var sent = Assert.Single(recorder.Requests);
            Assert.True(method == sent.Method.Method && template.IsMatch(sent.Path),
                $"{operationId}: the client sent {sent.Method} {sent.Path}, the document says {method} {path}");
        }
    }
}
