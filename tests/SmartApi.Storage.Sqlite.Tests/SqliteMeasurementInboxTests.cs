using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// Samples and energy slot changes are appended to inboxes and folded into their tables in bulk
/// (ADR 053): where they wait, and that every way of reading or deleting them sees them.
/// </summary>
public sealed class SqliteMeasurementInboxTests : SqliteFileTest
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Samples_wait_in_the_inbox_until_a_read_folds_them()
    {
        await using var store = await Database.OpenAsync(Token);
        await InsertAsync(store, "dev_a", 0, 3);
        await InsertAsync(store, "dev_b", 0, 2);
        Assert.Equal((0, 5), await CountAsync());

        var page = await store.ListMeasurementsAsync("dev_a", T0, T0.AddHours(1), new PageRequest(null, 10), Token);

        Assert.Equal([T0, T0.AddSeconds(1), T0.AddSeconds(2)], page.Items.Select(m => m.Ts));
        Assert.Equal((5, 0), await CountAsync());
        // Folded now: a second read has nothing to move.
        Assert.Equal(2, (await store.ListMeasurementsAsync("dev_b", T0, T0.AddHours(1), new PageRequest(null, 10), Token)).Items.Count);
    }

    [Fact]
    public async Task Aggregates_and_exports_fold_the_inbox_first()
    {
        await using var store = await Database.OpenAsync(Token);
        // An export reads the devices of one organization.
        var organization = await InsertOrganizationAsync(store);
        var device = new Device("dev_a", organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string>(), "last", [1], false, null, "unknown", null, Now, Now);
        await store.WriteAsync(tx => tx.InsertDeviceAsync(device), Token);
        await InsertAsync(store, "dev_a", 0, 4);

        var buckets = await store.AggregateMeasurementsAsync("dev_a", T0, T0.AddHours(1), TimeSpan.FromHours(1), Token);
        Assert.Equal(4, Assert.Single(buckets).Samples);

        await InsertAsync(store, "dev_a", 4, 2);
        var exported = new List<ExportedMeasurement>();
        await foreach (var row in store.ExportMeasurementsAsync(organization.Id, new MeasurementExport(["dev_a"], T0, T0.AddHours(1), null, 100), Token))
        {
            exported.Add(row);
        }
        Assert.Equal(6, exported.Count);
        Assert.Equal((6, 0), await CountAsync());
    }

    [Fact]
    public async Task A_telemetry_batch_folds_the_inbox_once_it_holds_enough_samples()
    {
        await using var store = await Database.OpenAsync(Token, measurementFoldAt: 10);
        await InsertAsync(store, "dev_a", 0, 6);
        Assert.Equal((0, 6), await CountAsync());

        // The batch that brings the inbox to 10 folds it, itself included, with no read asking.
        await InsertAsync(store, "dev_b", 0, 4);
        Assert.Equal((10, 0), await CountAsync());

        await InsertAsync(store, "dev_a", 6, 1);
        Assert.Equal((10, 1), await CountAsync());
    }

    [Fact]
    public async Task Samples_left_in_the_inbox_are_folded_when_the_store_opens_again()
    {
        await using (var store = await Database.OpenAsync(Token))
        {
            await InsertAsync(store, "dev_a", 0, 3);
        }
        Assert.Equal((0, 3), await CountAsync());

        await using var reopened = await Database.OpenAsync(Token);

        Assert.Equal((3, 0), await CountAsync());
        Assert.Equal(3, (await reopened.ListMeasurementsAsync("dev_a", T0, T0.AddHours(1), new PageRequest(null, 10), Token)).Items.Count);
    }

    [Fact]
    public async Task Retention_deletes_old_samples_that_are_still_in_the_inbox()
    {
        await using var store = await Database.OpenAsync(Token);
        await InsertAsync(store, "dev_a", 0, 3);
        await InsertAsync(store, "dev_a", 3600, 1);

        await store.PruneMeasurementsAsync(T0.AddMinutes(30), Token);

        Assert.Equal((1, 0), await CountAsync());
        Assert.Equal(T0.AddHours(1), Assert.Single((await store.ListMeasurementsAsync("dev_a", T0, T0.AddDays(1), new PageRequest(null, 10), Token)).Items).Ts);
    }

    [Fact]
    public async Task A_sample_for_a_time_already_stored_is_dropped_by_the_fold_as_by_an_insert()
    {
        await using var store = await Database.OpenAsync(Token);
        await InsertAsync(store, "dev_a", 0, 1, power: 10);
        await store.ListMeasurementsAsync("dev_a", T0, T0.AddHours(1), new PageRequest(null, 10), Token);
        await InsertAsync(store, "dev_a", 0, 1, power: 99);

        var page = await store.ListMeasurementsAsync("dev_a", T0, T0.AddHours(1), new PageRequest(null, 10), Token);

        Assert.Equal(10, Assert.Single(page.Items).PowerW);
        Assert.Equal((1, 0), await CountAsync());
    }

    [Fact]
    public async Task Slot_changes_wait_in_the_inbox_and_a_fold_adds_them_to_their_slot_and_recomputes_its_hour()
    {
        await using var store = await Database.OpenAsync(Token);
        var organization = await InsertOrganizationAsync(store);
        var slot = T0.AddMinutes(15);
        await AddSlotsAsync(store, Change(organization.Id, slot, energy: 1, peak: 100));
        await AddSlotsAsync(store, Change(organization.Id, slot, energy: 2, peak: 300), Change(organization.Id, T0.AddMinutes(30), energy: 4, peak: 50));
        Assert.Equal((0, 0, 3), await CountSlotsAsync());

        var slots = await store.ListEnergySlotsAsync(organization.Id, ["dev_a"], T0, T0.AddHours(1), Token);

        Assert.Equal([(slot, 3.0, 2, 300.0), (T0.AddMinutes(30), 4.0, 1, 50.0)], slots.Select(s => (s.Slot, s.EnergyWh, s.Samples, s.PeakPowerW)));
        Assert.Equal((2, 1, 0), await CountSlotsAsync());
        Assert.Equal(7, await HourEnergyAsync(T0));

        // A later batch adds to the stored row, and the hour follows.
        await AddSlotsAsync(store, Change(organization.Id, slot, energy: 10, peak: 200));
        var again = await store.ListEnergySlotsAsync(organization.Id, ["dev_a"], T0, T0.AddHours(1), Token);
        Assert.Equal((13.0, 3, 300.0), again.Select(s => (s.EnergyWh, s.Samples, s.PeakPowerW)).First());
        Assert.Equal(17, await HourEnergyAsync(T0));
    }

    [Fact]
    public async Task Retention_of_rollups_deletes_old_slot_changes_that_are_still_in_the_inbox()
    {
        await using var store = await Database.OpenAsync(Token);
        var organization = await InsertOrganizationAsync(store);
        var device = new Device("dev_a", organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string>(), "last", [1], false, null, "unknown", null, Now, Now);
        await store.WriteAsync(tx => tx.InsertDeviceAsync(device), Token);
        await AddSlotsAsync(store, Change(organization.Id, T0, energy: 1, peak: 1), Change(organization.Id, T0.AddHours(3), energy: 2, peak: 2));

        await store.WriteAsync(tx => tx.PruneOrganizationRollupsAsync(organization.Id, T0.AddHours(2), 100), Token);

        Assert.Equal((1, 1, 0), await CountSlotsAsync());
        Assert.Equal(T0.AddHours(3), Assert.Single(await store.ListEnergySlotsAsync(organization.Id, ["dev_a"], T0, T0.AddDays(1), Token)).Slot);
    }

    private static EnergySlotTotals Change(string organizationId, DateTimeOffset slot, double energy, double peak) =>
        new(organizationId, "dev_a", slot, energy, 1, peak * 60, 60, peak, 60, 60);

    private static Task<bool> AddSlotsAsync(SqliteSmartApiStore store, params EnergySlotTotals[] changes) =>
        store.WriteAsync(async tx =>
        {
            await tx.AddEnergySlotsAsync(changes);
            return true;
        }, Token);

    /// <summary>Rows in energy_slots, energy_hours and the slot inbox, read from the file.</summary>
    private async Task<(long Slots, long Hours, long Inbox)> CountSlotsAsync()
    {
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM energy_slots"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM energy_hours"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM energy_slot_inbox"));
    }

    private async Task<double> HourEnergyAsync(DateTimeOffset hour)
    {
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        return await connection.ExecuteScalarAsync<double>("SELECT energy_wh FROM energy_hours WHERE device_id = 'dev_a' AND hour = @hour",
            new { hour = hour.ToUnixTimeMilliseconds() });
    }

    private static Task<bool> InsertAsync(SqliteSmartApiStore store, string deviceId, int firstSecond, int count, double power = 100) =>
        store.WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([.. Enumerable.Range(firstSecond, count)
                .Select(s => new MeasurementRow(deviceId, new Measurement(T0.AddSeconds(s), power, 230, 0.5, null, s), 0.01))]);
            return true;
        }, Token);

    /// <summary>Rows in measurements and in the inbox, read from the file.</summary>
    private async Task<(long Measurements, long Inbox)> CountAsync()
    {
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM measurements"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM measurement_inbox"));
    }
}
