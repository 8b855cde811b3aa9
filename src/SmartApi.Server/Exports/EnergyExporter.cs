using SmartApi.Server.Energy;
using SmartApi.Storage;

namespace SmartApi.Server.Exports;

/// <summary>What an energy export covers: its devices in id order, its local buckets and zone, and the row to resume after.</summary>
internal sealed record EnergyExport(IReadOnlyList<Device> Devices, IReadOnlyList<LocalBucket> Buckets, TimeZoneInfo Zone, DateTimeOffset Now, MeasurementKey? After);

/// <summary>
/// The statistics of <c>GET /v1/energy</c> as a table: one row per device and local bucket, in (device id, bucket
/// start) order. Devices are computed a few at a time with <see cref="EnergyStatistics.ComputeAsync"/>, so memory
/// holds one chunk's rollup slots and buckets whatever the number of devices.
/// </summary>
internal static class EnergyExporter
{
    /// <summary>Rollup slots one chunk of devices may read (a device-year is 35,040).</summary>
    internal const int SlotsPerChunk = 100_000;
    internal const int MaxDevicesPerChunk = 100;

    public static readonly IReadOnlyList<ExportColumn> Columns =
    [
        new("device_id", ExportColumnKind.Text),
        new("serial", ExportColumnKind.Text),
        new("start_utc", ExportColumnKind.UtcTime),
        new("start_local", ExportColumnKind.LocalTime),
        new("end_utc", ExportColumnKind.UtcTime),
        new("energy_wh", ExportColumnKind.Number),
        new("avg_power_w", ExportColumnKind.Number, Nullable: true),
        new("peak_power_w", ExportColumnKind.Number, Nullable: true),
        new("on_hours", ExportColumnKind.Number),
        new("samples", ExportColumnKind.Integer),
        new("coverage", ExportColumnKind.Number),
        new("complete", ExportColumnKind.Boolean),
        new("cost", ExportColumnKind.Number, Nullable: true),
        new("currency", ExportColumnKind.Text, Nullable: true),
    ];

    /// <summary>How many devices one <see cref="EnergyStatistics.ComputeAsync"/> call takes for buckets spanning <paramref name="span"/>.</summary>
    public static int ChunkSize(TimeSpan span) =>
        (int)Math.Clamp(SlotsPerChunk / Math.Max(1, span.Ticks / LocalCalendar.Slot.Ticks), 1, MaxDevicesPerChunk);

    /// <summary>Writes every row of <paramref name="export"/> and completes the table; returns the number of rows.</summary>
    public static async Task<long> WriteAsync(EnergyStatistics statistics, TableWriter table, string organizationId, EnergyExport export,
        CancellationToken cancellationToken)
    {
        var buckets = export.Buckets;
        var devices = export.After is { } after
            ? [.. export.Devices.Where(d => string.CompareOrdinal(d.Id, after.DeviceId) >= 0)]
            : export.Devices;
        long rows = 0;
        if (buckets.Count > 0)
        {
            var offsets = buckets.Select(b => export.Zone.GetUtcOffset(b.Start)).ToArray();
            var chunk = ChunkSize(buckets[^1].End - buckets[0].Start);
            for (var first = 0; first < devices.Count; first += chunk)
            {
                var part = devices.Skip(first).Take(chunk).ToList();
                var computed = await statistics.ComputeAsync(organizationId, part, buckets, export.Zone, export.Now, cancellationToken);
                foreach (var device in computed)
                {
                    var skipUntil = export.After is { } key && key.DeviceId == device.Device.Id ? key.TsMs : long.MinValue;
                    for (var b = 0; b < device.Buckets.Count; b++)
                    {
                        var bucket = device.Buckets[b];
                        var startMs = bucket.Start.ToUnixTimeMilliseconds();
                        if (startMs <= skipUntil)
                        {
                            continue;
                        }
                        table.WriteText(device.Device.Id);
                        table.WriteText(device.Device.Serial);
                        table.WriteUtc(startMs);
                        table.WriteLocal(startMs, offsets[b]);
                        table.WriteUtc(bucket.End.ToUnixTimeMilliseconds());
                        table.WriteNumber(bucket.EnergyWh);
                        table.WriteNumber(bucket.AvgPowerW);
                        table.WriteNumber(bucket.PeakPowerW);
                        table.WriteNumber(bucket.OnHours);
                        table.WriteInteger(bucket.Samples);
                        table.WriteNumber(bucket.Coverage);
                        table.WriteBoolean(bucket.Complete);
                        table.WriteNumber(bucket.Cost);
                        table.WriteText(bucket.Cost is null ? null : device.Currency);
                        await table.EndRowAsync(cancellationToken);
                        rows++;
                    }
                }
            }
        }
        await table.CompleteAsync(cancellationToken);
        return rows;
    }
}
