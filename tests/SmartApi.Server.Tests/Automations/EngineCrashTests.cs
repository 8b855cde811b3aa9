using SmartApi.Contracts;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>kill -9 of a real server process while automation runs are queued or in flight, then a restart on the same data.</summary>
public sealed class EngineCrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_loses_no_automation_run_and_acts_once_per_event()
    {
        const int changes = 30;
        var directory = Directory.CreateTempSubdirectory("smartapi-engine-crash-").FullName;
        string automationId, lampId;
        await using (var first = await ServerProcess.StartAsync(directory))
        {
            using var client = first.CreateAdminClient();
            var device = await SmartApiApplication.CreateDeviceAsync(client);
            lampId = (await SmartApiApplication.CreateDeviceAsync(client)).Id;
            automationId = (await CreateAutomationAsync(client, $$$"""
                {"name":"Renamed -> toggle","trigger":{"events":["device.updated"],"deviceIds":["{{{device.Id}}}"]},
                 "actions":[{"type":"switch","deviceId":"{{{lampId}}}","state":"toggle"}]}
                """)).Id;
            // Each answer comes after the commit of the change, its event and its queued run.
            for (var i = 0; i < changes; i++)
            {
                (await client.PatchJsonAsync($"/v1/devices/{device.Id}", $$"""{"name":"name {{i}}"}""")).EnsureSuccessStatusCode();
            }
            await first.KillAsync();
        }

        await using var second = await ServerProcess.StartAsync(directory);
        using var admin = second.CreateAdminClient();
        var runs = await FinishedRunsWithinAsync(admin, automationId, changes, TimeSpan.FromSeconds(60));
        var commands = await (await admin.GetAsync($"/v1/devices/{lampId}/commands?limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageCommandResponse);

        Assert.Equal(changes, runs.Count);
        Assert.All(runs, r => Assert.Equal("succeeded", r.Status));
        // Once per run: a run whose runner died is carried out again only if its first try never committed.
        Assert.Equal(runs.SelectMany(r => r.CommandIds).Order(), commands.Data.Select(c => c.Id).Order());
        Assert.Equal(changes, commands.Data.Count);
    }

    private static async Task<IReadOnlyList<AutomationRunResponse>> FinishedRunsWithinAsync(HttpClient client, string automationId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var runs = await RunsAsync(client, automationId);
            if ((runs.Count >= count && runs.All(r => r.Status != "pending")) || DateTime.UtcNow > deadline)
            {
                return runs;
            }
            await Task.Delay(200, Ct);
        }
    }
}
