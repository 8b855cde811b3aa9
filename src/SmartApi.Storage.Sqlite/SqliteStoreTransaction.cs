using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// One write unit on the single writer's connection. Statements go through Dapper (the base
/// class's hooks) except on the measured hot paths: there the writer keeps each statement
/// prepared for the life of its connection, since compiling it again per call (what a Dapper
/// command does) cost more than running it. Reads on those paths are kept prepared commands
/// (<see cref="CommandCache"/>: device and energy-state reads per telemetry message, the command
/// claim and acknowledgement of a switch round trip, the outbox), and the per-event, per-sample
/// and per-delivery writes (append, sequence, device update, measurement, energy state, the
/// delivery an append routes) are bound by position on <see cref="RawStatement"/>, which skips
/// the parameter lookups as well.
/// </summary>
internal sealed partial class SqliteStoreTransaction(CommandCache commands, SqliteTransaction transaction, IdGenerator ids, SubscriptionIndex subscriptionIndex,
    DeviceCache deviceCache, WebhookCache webhookCache, MeasurementInbox inbox, HandedBatch handed)
    : RelationalStoreTransaction(SqliteDialect.Instance, ids), IStoreTransaction
{
    private readonly SqliteConnection connection = commands.Connection;

    private protected override Task<int> ExecuteAsync(string sql, object? parameters) => connection.ExecuteAsync(sql, parameters, transaction);
    private protected override Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters) => connection.QueryAsync<T>(sql, parameters, transaction);
    private protected override Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters) where T : default =>
        connection.QuerySingleOrDefaultAsync<T?>(sql, parameters, transaction);
    private protected override Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters) where T : default =>
        connection.ExecuteScalarAsync<T?>(sql, parameters, transaction);
    private protected override void CommandInserted() => InsertedCommands = true;

    /// <summary>Whether this transaction changed subscriptions: the writer drops its index again when it ends.</summary>
    public bool SubscriptionsChanged { get; private set; }

    private protected override ValueTask ChangingSubscriptionsAsync()
    {
        SubscriptionsChanged = true;
        subscriptionIndex.Invalidate();
        return ValueTask.CompletedTask;
    }

    private protected override void DeliveriesQueued(int count) => QueuedDeliveries += count;
    private protected override void RunQueued() => QueuedRuns++;

    /// <summary>Called by the writer before each unit of work: reservations never cross units.</summary>
    public void BeginUnit() => ReservedSequences.Clear();

    /// <summary>Events appended in this transaction (the writer announces them after commit).</summary>
    public int AppendedEvents { get; private set; }

    /// <summary>Whether this transaction inserted commands (the writer announces them after commit).</summary>
    public bool InsertedCommands { get; private set; }

    /// <summary>A prepared statement of the writer connection, enlisted in this transaction.</summary>
    private SqliteCommand Command(string sql) => commands.Get(sql, transaction);

    public override async ValueTask<Device?> GetDeviceAsync(string organizationId, string id)
    {
        if (deviceCache.Get(organizationId, id) is { } cached)
        {
            return cached;
        }
        var device = (await Command(Dialect.GetDevice).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<DeviceRow>())?.ToEntity();
        if (device is not null)
        {
            deviceCache.Add(device);
        }
        return device;
    }

    public override ValueTask UpdateDeviceAsync(Device device)
    {
        var statement = RawStatement.For(connection, Dialect.UpdateDevice, UpdateDeviceParameters)
            .Bind(0, device.Id)
            .Bind(1, device.OrganizationId)
            .Bind(2, device.Name)
            .Bind(3, device.Model)
            .Bind(4, DeviceRow.TagsJson(device.Tags))
            .Bind(5, device.PowerOnState)
            .Bind(6, device.Online)
            .Bind(7, Ms.Of(device.LastSeenAt))
            .Bind(8, device.Switch)
            .Bind(9, Ms.Of(device.UpdatedAt));
        if (OwnUpdate(statement) is { } reserved)
        {
            ReservedSequences[device.Id] = reserved;
            deviceCache.Updated(device);
        }
        return ValueTask.CompletedTask;
    }

    // The gateway's writes, per switch report and per connect: prepared like UpdateDevice, and the cached row takes the written columns.
    public override ValueTask UpdateDeviceSwitchAsync(Device device)
    {
        if (UpdateGatewayColumns(RawStatement.For(connection, Dialect.UpdateDeviceSwitch, SwitchParameters).Bind(2, device.Switch), device))
        {
            deviceCache.SwitchUpdated(device);
        }
        return ValueTask.CompletedTask;
    }

    public override ValueTask<bool> UpdateDevicePresenceAsync(Device device)
    {
        var sql = device.Online ? Dialect.UpdateDevicePresence : Dialect.MarkDeviceOffline;
        var updated = UpdateGatewayColumns(RawStatement.For(connection, sql, PresenceParameters).Bind(2, device.Online), device);
        if (updated)
        {
            deviceCache.PresenceUpdated(device);
        }
        return ValueTask.FromResult(updated);
    }

    // Both gateway writes bind (id, organization, their own column at 2, last seen, updated) and reserve the row's sequence when they change it.
    private bool UpdateGatewayColumns(RawStatement statement, Device device)
    {
        statement
            .Bind(0, device.Id)
            .Bind(1, device.OrganizationId)
            .Bind(3, Ms.Of(device.LastSeenAt))
            .Bind(4, Ms.Of(device.UpdatedAt));
        if (OwnUpdate(statement) is not { } reserved)
        {
            return false;
        }
        ReservedSequences[device.Id] = reserved;
        return true;
    }

    /// <summary>Runs a device-row update the cache follows itself, so the update hook leaves the cache alone.</summary>
    private long? OwnUpdate(RawStatement statement)
    {
        deviceCache.OwnUpdate = true;
        try
        {
            return statement.ExecuteScalar();
        }
        finally
        {
            deviceCache.OwnUpdate = false;
        }
    }

    public async ValueTask AppendEventAsync(NewEvent newEvent)
    {
        long? sequence = null;
        if (newEvent.DeviceId is { } deviceId)
        {
            sequence = ReservedSequences.Remove(deviceId, out var reserved) ? reserved : NextSequence(deviceId);
        }
        var data = EventData.Compose(newEvent.DeviceId, sequence, newEvent.DataJson);
        var position = RawStatement.For(connection, Sql.AppendEvent, AppendEventParameters)
            .Bind(0, newEvent.Id)
            .Bind(1, newEvent.OrganizationId)
            .Bind(2, newEvent.Type)
            .Bind(3, newEvent.DeviceId)
            .Bind(4, Ms.Of(newEvent.CreatedAt))
            .Bind(5, data)
            .Bind(6, newEvent.TraceParent)
            .ExecuteInsert(); // position is the rowid
        await RouteAsync(newEvent, position, data);
        AppendedEvents++;
    }

    // The sequence is not part of the cached row: the cache may ignore this change of it.
    private long? NextSequence(string deviceId)
    {
        var statement = RawStatement.For(connection, Sql.NextDeviceSequence, NextSequenceParameters).Bind(0, deviceId);
        deviceCache.OwnUpdate = true;
        try
        {
            return statement.ExecuteScalar();
        }
        finally
        {
            deviceCache.OwnUpdate = false;
        }
    }

    public override async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await Command(Sql.GetEnergyState).With("@id", deviceId).SingleOrDefaultAsync<EnergyStateRow>())?.ToEntity();

    private static readonly string[] UpdateDeviceParameters =
        ["@Id", "@OrganizationId", "@Name", "@Model", "@Tags", "@PowerOnState", "@Online", "@LastSeenAt", "@Switch", "@UpdatedAt"];
    private static readonly string[] SwitchParameters = ["@Id", "@OrganizationId", "@Switch", "@LastSeenAt", "@UpdatedAt"];
    private static readonly string[] PresenceParameters = ["@Id", "@OrganizationId", "@Online", "@LastSeenAt", "@UpdatedAt"];
    private static readonly string[] AppendEventParameters = ["@id", "@org", "@type", "@device", "@at", "@data", "@trace"];
    private static readonly string[] NextSequenceParameters = ["@id"];
    private static readonly string[] MeasurementParameters = ["@device", "@ts", "@power", "@voltage", "@current", "@temperature", "@total", "@delta"];
    private static readonly string[] EnergyStateParameters = ["@id", "@total", "@counter", "@ts", "@power", "@voltage", "@current", "@temperature", "@expected", "@switchChangedAt"];

    // Once per sample: bound by position on the raw statement (see RawStatement).
    public ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        var statement = RawStatement.For(connection, Sql.InsertMeasurement, MeasurementParameters);
        foreach (var row in rows)
        {
            statement
                .Bind(0, row.DeviceId)
                .Bind(1, Ms.Of(row.Sample.Ts))
                .Bind(2, row.Sample.PowerW)
                .Bind(3, row.Sample.VoltageV)
                .Bind(4, row.Sample.CurrentA)
                .Bind(5, row.Sample.TemperatureC)
                .Bind(6, row.Sample.TotalWh)
                .Bind(7, row.DeltaWh)
                .Execute();
        }
        if (rows.Count > 0 && inbox.Appended(rows.Count))
        {
            FoldMeasurementInbox();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Folds the inboxes into measurements and the energy rollups in this transaction; returns the append count it covers (see <see cref="MeasurementInbox"/>).</summary>
    public long FoldMeasurementInbox()
    {
        var through = inbox.Folding();
        Command(Sql.FoldMeasurementInbox).ExecuteNonQuery();
        return through;
    }

    // A statement that reads or deletes measurements or rollups sees what still waits in the inboxes too.
    private protected override ValueTask UsingTelemetryAsync()
    {
        if (!inbox.IsFolded)
        {
            FoldMeasurementInbox();
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> SetEnergyStateAsync(
        string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs, DateTimeOffset? expectedSwitchChangedAt) =>
        ValueTask.FromResult(RawStatement.For(connection, Dialect.SetEnergyState, EnergyStateParameters)
            .Bind(0, deviceId)
            .Bind(1, totalWh)
            .Bind(2, lastCounterWh)
            .Bind(3, Ms.Of(latest.Ts))
            .Bind(4, latest.PowerW)
            .Bind(5, latest.VoltageV)
            .Bind(6, latest.CurrentA)
            .Bind(7, latest.TemperatureC)
            .Bind(8, Ms.Of(expectedLatestTs))
            .Bind(9, Ms.Of(expectedSwitchChangedAt))
            .Execute() == 1);
}
