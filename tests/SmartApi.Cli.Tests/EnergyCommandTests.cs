using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Server.Measurements;

namespace SmartApi.Cli.Tests;

/// <summary><c>smart energy device|summary</c> against the real server, with samples from the real ingestor.</summary>
public sealed class EnergyCommandTests(CliFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task Device_and_summary_print_local_buckets_and_group_totals()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var ingestor = Fixture.App.Services.GetRequiredService<TelemetryIngestor>();
        var ids = new List<string>();
        foreach (var (room, wh) in new[] { ("kitchen", 1500.0), ("office", 250.0) })
        {
            var created = await Fixture.RunAsync(key, "devices", "create", "--serial", "DT31-" + Guid.NewGuid().ToString("N")[..10], "--name", room, "--tag", "room=" + room, "--json");
            Assert.True(created.ExitCode == 0, created.ToString());
            var id = JsonDocument.Parse(created.Out).RootElement.GetProperty("id").GetString()!;
            ids.Add(id);
            var t = new DateTimeOffset(2026, 10, 25, 9, 0, 0, TimeSpan.Zero);
            await ingestor.IngestAsync(id, new TelemetrySample(t, 200, EnergyWh: 100), TestContext.Current.CancellationToken);
            await ingestor.IngestAsync(id, new TelemetrySample(t.AddMinutes(1), 200, EnergyWh: 100 + wh), TestContext.Current.CancellationToken);
        }

        var device = await Fixture.RunAsync(key, "energy", "device", ids[0], "--interval", "day", "--from", "2026-10-24T22:00:00Z", "--to", "2026-10-26T23:00:00Z",
            "--time-zone", "Europe/Zurich");
        Assert.True(device.ExitCode == 0, device.ToString());
        Assert.Contains("day buckets in Europe/Zurich", device.Out, StringComparison.Ordinal);
        Assert.Contains("2026-10-25T00:00:00+02:00", device.Out, StringComparison.Ordinal);
        Assert.Contains("2026-10-26T00:00:00+01:00", device.Out, StringComparison.Ordinal);
        Assert.Contains("1.5 kWh", device.Out, StringComparison.Ordinal);

        var json = await Fixture.RunAsync(key, "energy", "device", ids[0], "--from", "2026-10-24T22:00:00Z", "--to", "2026-10-26T23:00:00Z", "--time-zone", "Europe/Zurich", "--json");
        var buckets = JsonDocument.Parse(json.Out).RootElement.GetProperty("buckets");
        Assert.Equal(2, buckets.GetArrayLength());
        Assert.Equal(1500, buckets[0].GetProperty("energyWh").GetDouble());

        var summary = await Fixture.RunAsync(key, "energy", "summary", "--group-by", "tag:room", "--from", "2026-10-25T00:00:00Z", "--to", "2026-10-26T00:00:00Z",
            "--time-zone", "UTC");
        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Contains("by tag:room", summary.Out, StringComparison.Ordinal);
        var lines = summary.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("kitchen", StringComparison.Ordinal) && l.Contains("1.5 kWh", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("office", StringComparison.Ordinal) && l.Contains("250 Wh", StringComparison.Ordinal));

        var bad = await Fixture.RunAsync(key, "energy", "device", ids[0], "--time-zone", "Mars/Olympus");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("timeZone", bad.Out + bad.Error, StringComparison.Ordinal);
    }
}
