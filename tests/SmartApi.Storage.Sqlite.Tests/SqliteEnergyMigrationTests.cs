using Dapper;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>Migration 0017 builds the energy rollups from the samples already stored, with the rules ingestion applies.</summary>
public sealed class SqliteEnergyMigrationTests : SqliteFileTest
{
    [Fact]
    public async Task Migration0017_BackfillsSlotsFromStoredMeasurements()
    {
        var t0 = new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await using (var old = await OpenBeforeAsync(17))
        {
            await old.ExecuteAsync("INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'A', 1)");
            await old.ExecuteAsync("""
                INSERT INTO devices (id, organization_id, serial, name, tags, power_on_state, mqtt_password_hash, switch, created_at, updated_at)
                VALUES ('dev_1', 'org_a', 'SN-1', 'Device', '{}', 'last', x'01', 'unknown', 1, 1)
                """);
            // Minutes 0 (the first covers nothing), 1 and 2 in slot 0; minute 17 (a 15-minute gap, capped at 5) and 18 in slot 1;
            // a row outside the telemetry limits (an older version's) left out.
            (long At, double Power, double Delta)[] rows =
                [(0, 100, 0), (60_000, 0, 1.5), (120_000, 50, 0), (1_020_000, 200, 4), (1_080_000, 300, 2), (1_140_000, 1e9, 1)];
            foreach (var (at, power, delta) in rows)
            {
                await old.ExecuteAsync("INSERT INTO measurements (device_id, ts, power_w, total_wh, delta_wh) VALUES ('dev_1', @ts, @power, 0, @delta)",
                    new { ts = t0 + at, power, delta });
            }
        }

        await using var store = await Database.OpenAsync(Token);

        var slots = await store.ListEnergySlotsAsync("org_a", ["dev_1"], DateTimeOffset.FromUnixTimeMilliseconds(t0), DateTimeOffset.FromUnixTimeMilliseconds(t0).AddHours(1), Token);
        Assert.Equal(2, slots.Count);
        // Slot 0: 60 s at 100 W (on), then 60 s at 0 W.
        Assert.Equal((DateTimeOffset.FromUnixTimeMilliseconds(t0), 1.5, 3, 150.0, 100.0 * 60, 100.0, 120.0, 60.0),
            (slots[0].Slot, slots[0].EnergyWh, slots[0].Samples, slots[0].PowerSumW, slots[0].PowerSeconds, slots[0].PeakPowerW, slots[0].CoveredSeconds, slots[0].OnSeconds));
        // Slot 1: 300 s (the gap, capped) at 50 W, then 60 s at 200 W.
        Assert.Equal((DateTimeOffset.FromUnixTimeMilliseconds(t0 + 900_000), 6.0, 2, 500.0, 50.0 * 300 + 200.0 * 60, 300.0, 360.0, 360.0),
            (slots[1].Slot, slots[1].EnergyWh, slots[1].Samples, slots[1].PowerSumW, slots[1].PowerSeconds, slots[1].PeakPowerW, slots[1].CoveredSeconds, slots[1].OnSeconds));
    }
}
