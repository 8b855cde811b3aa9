using System.Buffers;
using System.Data.Common;
using System.Runtime.CompilerServices;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async IAsyncEnumerable<ExportedMeasurement> ExportMeasurementsAsync(string organizationId, MeasurementExport export,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(export.PageSize, 1);
        var devices = export.DeviceIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var from = Ms.Of(export.From);
        var to = Ms.Of(export.To);
        await ReadingTelemetryAsync(cancellationToken);
        // Each page is read whole and its connection returned before the rows are handed on, so a consumer
        // that writes slowly (a client on a slow link) never keeps a read open: on SQLite that would hold
        // the WAL from being checkpointed, on PostgreSQL it would pin a snapshot.
        var page = ArrayPool<ExportedMeasurement>.Shared.Rent(export.PageSize);
        try
        {
            foreach (var device in devices)
            {
                long after;
                if (export.After is { } key)
                {
                    var order = string.CompareOrdinal(device, key.DeviceId);
                    if (order < 0)
                    {
                        continue;
                    }
                    after = order == 0 ? key.TsMs : long.MinValue;
                }
                else
                {
                    after = long.MinValue;
                }
                int count;
                do
                {
                    count = await ReadExportPageAsync(organizationId, device, from, to, after, page, export.PageSize, cancellationToken);
                    for (var i = 0; i < count; i++)
                    {
                        yield return page[i];
                    }
                    if (count > 0)
                    {
                        after = page[count - 1].TsMs;
                    }
                }
                while (count == export.PageSize);
            }
        }
        finally
        {
            ArrayPool<ExportedMeasurement>.Shared.Return(page, clearArray: true);
        }
    }

    private async Task<int> ReadExportPageAsync(string organizationId, string device, long from, long to, long after,
        ExportedMeasurement[] page, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RelationalSql.ExportMeasurementsPage;
        AddParameter(command, "@org", organizationId);
        AddParameter(command, "@device", device);
        // The page starts just after the previous row (a resume key of long.MaxValue leaves nothing after it).
        AddParameter(command, "@from", after < from ? from : after == long.MaxValue ? long.MaxValue : after + 1);
        AddParameter(command, "@to", to);
        AddParameter(command, "@limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            page[count++] = new ExportedMeasurement(device, reader.GetInt64(0), reader.GetDouble(1),
                NullableDouble(reader, 2), NullableDouble(reader, 3), NullableDouble(reader, 4), reader.GetDouble(5), reader.GetDouble(6));
        }
        return count;
    }

    private static double? NullableDouble(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static void AddParameter<T>(DbCommand command, string name, T value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
