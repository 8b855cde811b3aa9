namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    // The slots as stored: the compliance tests read back AddEnergySlotsAsync with it (statistics sum
    // in the database, SumEnergySegmentsAsync).
    public async Task<IReadOnlyList<EnergySlotTotals>> ListEnergySlotsAsync(
        string organizationId, IReadOnlyCollection<string> deviceIds, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (deviceIds.Count == 0 || from >= to)
        {
            return [];
        }
        await ReadingTelemetryAsync(cancellationToken);
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

    // The database sums: a year of one device's daily buckets is a few hundred segments (about
    // 9,000 hourly rows read inside the database), not 35,040 slots through the reader.
    public async Task<IReadOnlyList<EnergySegmentTotals>> SumEnergySegmentsAsync(
        string organizationId, IReadOnlyCollection<string> deviceIds, IReadOnlyList<DateTimeOffset> boundaries, CancellationToken cancellationToken = default)
    {
        if (deviceIds.Count == 0 || boundaries.Count < 2)
        {
            return [];
        }
        var (hours, slots) = SplitSegments(boundaries);
        await ReadingTelemetryAsync(cancellationToken);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var transaction = Dialect.SumEnergySegmentsInTransaction ? await connection.BeginTransactionAsync(cancellationToken) : null;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        AddParameter(command, "devices", Dialect.IdList(deviceIds));
        AddParameter(command, "org", organizationId);
        AddParameter(command, "hours", Dialect.RangeList(hours));
        AddParameter(command, "slots", Dialect.RangeList(slots));
        if (Dialect.BeforeSumEnergySegments is { } before)
        {
            command.CommandText = before;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        command.CommandText = Dialect.SumEnergySegments;
        var totals = new List<EnergySegmentTotals>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            totals.Add(new EnergySegmentTotals(reader.GetString(0), checked((int)reader.GetInt64(1)), reader.GetDouble(2), reader.GetInt64(3),
                reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8)));
        }
        return totals; // a transaction, if any, ends with its rollback
    }

    /// <summary>Each segment's whole UTC hours, and the slot ranges before and after them (the whole segment when it holds no whole hour).</summary>
    internal static (List<(int Segment, long From, long To)> Hours, List<(int Segment, long From, long To)> Slots) SplitSegments(IReadOnlyList<DateTimeOffset> boundaries)
    {
        var hours = new List<(int, long, long)>(boundaries.Count);
        var slots = new List<(int, long, long)>();
        for (var i = 0; i + 1 < boundaries.Count; i++)
        {
            long from = Ms.Of(boundaries[i]), to = Ms.Of(boundaries[i + 1]);
            var firstHour = from + ((EnergyHours.HourMilliseconds - Modulo(from)) % EnergyHours.HourMilliseconds);
            var lastHour = to - Modulo(to);
            if (firstHour >= lastHour)
            {
                slots.Add((i, from, to));
                continue;
            }
            hours.Add((i, firstHour, lastHour));
            if (from < firstHour)
            {
                slots.Add((i, from, firstHour));
            }
            if (lastHour < to)
            {
                slots.Add((i, lastHour, to));
            }
        }
        return (hours, slots);

        static long Modulo(long ms) => ((ms % EnergyHours.HourMilliseconds) + EnergyHours.HourMilliseconds) % EnergyHours.HourMilliseconds;
    }
}
