namespace SmartApi.Storage.Postgres;

/// <summary>
/// One write unit, inside the batch transaction of <see cref="PostgresWriter"/>. Every statement
/// goes through the batch's <see cref="BatchConnection"/>, which first writes the appends the
/// batch has buffered, so a unit always sees its earlier appends.
/// </summary>
internal sealed partial class PostgresStoreTransaction(BatchConnection db, IdGenerator ids)
    : RelationalStoreTransaction(PostgresDialect.Instance, ids), IStoreTransaction
{
    private protected override Task<int> ExecuteAsync(string sql, object? parameters) => db.ExecuteAsync(sql, parameters);
    private protected override Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters) => db.QueryAsync<T>(sql, parameters);
    private protected override Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters) where T : default => db.QuerySingleOrDefaultAsync<T>(sql, parameters);
    private protected override Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters) where T : default => db.ExecuteScalarAsync<T>(sql, parameters);
    private protected override void CommandInserted() => db.InsertedCommands = true;
    private protected override ValueTask ChangingSubscriptionsAsync() => db.ChangingSubscriptionsAsync();
    private protected override void DeliveriesQueued(int count) => db.QueuedDeliveries += count;
    private protected override void RunQueued() => db.QueuedRuns++;

    // Buffered: the batch writes its appends together (PostgresWriter.WriteAppends, arrays in one
    // statement) before the next statement or the commit.
    public ValueTask AppendEventAsync(NewEvent newEvent)
    {
        long? reserved = null;
        if (newEvent.DeviceId is { } deviceId && ReservedSequences.Remove(deviceId, out var value))
        {
            reserved = value;
        }
        db.Append(newEvent, reserved);
        return ValueTask.CompletedTask;
    }

    // One statement per batch of samples: they travel as arrays.
    public async ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await db.ExecuteAsync(Sql.InsertMeasurements, new
        {
            devices = rows.Select(r => r.DeviceId).ToArray(),
            ts = rows.Select(r => Ms.Of(r.Sample.Ts)).ToArray(),
            power = rows.Select(r => r.Sample.PowerW).ToArray(),
            voltage = rows.Select(r => r.Sample.VoltageV).ToArray(),
            current = rows.Select(r => r.Sample.CurrentA).ToArray(),
            temperature = rows.Select(r => r.Sample.TemperatureC).ToArray(),
            total = rows.Select(r => r.Sample.TotalWh).ToArray(),
            delta = rows.Select(r => r.DeltaWh).ToArray(),
        });
    }

    public async ValueTask<bool> SetEnergyStateAsync(
        string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs, DateTimeOffset? expectedSwitchChangedAt) =>
        await db.ExecuteAsync(Dialect.SetEnergyState, new
        {
            id = deviceId,
            total = totalWh,
            counter = lastCounterWh,
            ts = Ms.Of(latest.Ts),
            power = latest.PowerW,
            voltage = latest.VoltageV,
            current = latest.CurrentA,
            temperature = latest.TemperatureC,
            expected = Ms.Of(expectedLatestTs),
            switchChangedAt = Ms.Of(expectedSwitchChangedAt),
        }) == 1;

    public async ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now) =>
        await db.ExecuteAsync(Sql.MarkCommandsDelivered, new { ids = ids as string[] ?? [.. ids], now = Ms.Of(now) });
}
