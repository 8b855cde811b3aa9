using Microsoft.Data.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// Days of energy rollups (and optionally samples) per device, written straight into a store's file while its writer is
/// idle, as on a server that has run that long: each device's current slot and hour then sit on pages of their own, not
/// on one page shared by all devices (the fresh database's picture). Used by <c>mqtt --history-days</c> and <c>fold</c>.
/// </summary>
internal static class RollupHistory
{
    public const long SlotMs = 300_000, HourMs = 3_600_000;

    /// <summary>Writes slots and hours from <paramref name="start"/> to <paramref name="end"/> (unix ms) and <paramref name="samples"/> samples per device; returns the rows written.</summary>
    public static async Task<long> WriteAsync(string databasePath, IReadOnlyList<(string Id, string OrganizationId)> devices, long start, long end, int samples = 0)
    {
        const string Rollup = " (device_id, {0}, organization_id, energy_wh, samples, power_sum_w, power_seconds, peak_power_w, covered_seconds, on_seconds) " +
            "VALUES ($d, $t, $o, 1, 10, 1000, 300, 120, 300, 300)";
        var tables = new List<(string Sql, long Step)>
        {
            ("INSERT INTO energy_slots" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Rollup, "slot"), SlotMs),
            ("INSERT INTO energy_hours" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Rollup, "hour"), HourMs),
        };
        if (samples > 0)
        {
            tables.Add(("INSERT INTO measurements (device_id, ts, power_w, total_wh, delta_wh) VALUES ($d, $t, 100, 0, 0.01)", (end - start) / samples));
        }
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=false");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        long rows = 0;
        foreach (var (sql, step) in tables)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = sql;
            var d = insert.Parameters.Add("$d", SqliteType.Text);
            var t = insert.Parameters.Add("$t", SqliteType.Integer);
            var o = insert.Parameters.Add("$o", SqliteType.Text);
            insert.Prepare();
            foreach (var (id, organizationId) in devices)
            {
                (d.Value, o.Value) = (id, organizationId);
                for (var at = start; at < end; at += step, rows++)
                {
                    t.Value = at;
                    await insert.ExecuteNonQueryAsync();
                }
            }
        }
        await transaction.CommitAsync();
        return rows;
    }
}
