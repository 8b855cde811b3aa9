using System.Data.Common;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    // Read with a plain data reader: a year of one device is 35,040 rows, an organization's month
    // millions, and the per-row cost of a mapper showed in both.
    public async Task<IReadOnlyList<EnergySlotTotals>> ListEnergySlotsAsync(
        string organizationId, IReadOnlyCollection<string> deviceIds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (deviceIds.Count == 0 || from >= to)
        {
            return [];
        }
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (deviceIds.Count == 1)
        {
            command.CommandText = RelationalSql.ListDeviceEnergySlots;
            AddParameter(command, "device", deviceIds.First());
        }
        else
        {
            command.CommandText = Dialect.ListEnergySlotsOfDevices;
            AddParameter(command, "devices", Dialect.IdList(deviceIds));
        }
        AddParameter(command, "org", organizationId);
        AddParameter(command, "from", Ms.Of(from));
        AddParameter(command, "to", Ms.Of(to));
        var slots = new List<EnergySlotTotals>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        string? device = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            device = device == id ? device : id; // one string instance per device
            slots.Add(new EnergySlotTotals(
                reader.GetString(2), device, Ms.ToTime(reader.GetInt64(1)), reader.GetDouble(3), reader.GetInt32(4), reader.GetDouble(5),
                reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9)));
        }
        return slots;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
