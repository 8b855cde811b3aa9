using SmartApi.Server.Energy;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Exports;

/// <summary>
/// The measurements export as a table: its columns, and one row per stored sample in (device id, ts) order,
/// written as the store reads it. Stored values outside the telemetry limits are empty cells, as reads show them.
/// </summary>
internal static class MeasurementExporter
{
    public static readonly IReadOnlyList<ExportColumn> Columns =
    [
        new("device_id", ExportColumnKind.Text),
        new("serial", ExportColumnKind.Text),
        new("ts_utc", ExportColumnKind.UtcTime),
        new("ts_local", ExportColumnKind.LocalTime),
        new("power_w", ExportColumnKind.Number, Nullable: true),
        new("voltage_v", ExportColumnKind.Number, Nullable: true),
        new("current_a", ExportColumnKind.Number, Nullable: true),
        new("temperature_c", ExportColumnKind.Number, Nullable: true),
        new("energy_total_wh", ExportColumnKind.Number, Nullable: true),
        new("energy_wh", ExportColumnKind.Number, Nullable: true),
    ];

    /// <summary>Writes every row of <paramref name="export"/> and completes the table; returns the number of rows.</summary>
    public static async Task<long> WriteAsync(IMeasurementStore store, TableWriter table, string organizationId,
        IReadOnlyDictionary<string, string> serials, MeasurementExport export, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var offsets = new ZoneOffsets(zone);
        string? device = null;
        var serial = "";
        long rows = 0;
        await foreach (var row in store.ExportMeasurementsAsync(organizationId, export, cancellationToken))
        {
            if (!ReferenceEquals(row.DeviceId, device))
            {
                device = row.DeviceId;
                serial = serials[device];
            }
            table.WriteText(device);
            table.WriteText(serial);
            table.WriteUtc(row.TsMs);
            table.WriteLocal(row.TsMs, offsets.At(row.TsMs));
            table.WriteNumber(StoredValues.Power(row.PowerW));
            table.WriteNumber(StoredValues.Voltage(row.VoltageV));
            table.WriteNumber(StoredValues.Current(row.CurrentA));
            table.WriteNumber(StoredValues.Temperature(row.TemperatureC));
            table.WriteNumber(StoredValues.Total(row.TotalWh));
            table.WriteNumber(TelemetryLimits.IsEnergyStep(row.EnergyWh) ? row.EnergyWh : null);
            await table.EndRowAsync(cancellationToken);
            rows++;
        }
        await table.CompleteAsync(cancellationToken);
        return rows;
    }
}
