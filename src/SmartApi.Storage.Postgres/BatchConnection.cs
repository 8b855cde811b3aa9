using Dapper;
using Npgsql;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// The connection and transaction of one <see cref="PostgresWriter"/> batch, shared by its units.
/// Appends are buffered and written together, in two round trips, just before the next statement
/// of any unit runs or the batch commits. The event log's position row is what serializes
/// appenders cluster-wide (the gap-free cursor), so it is locked by that one write, for the
/// time of one statement and the commit, instead of from a batch's first append to its commit
/// with a round trip per event. Every statement goes through this class, so a unit always sees
/// its earlier appends, and a device's sequence numbers follow the events' positions.
/// </summary>
internal sealed class BatchConnection(NpgsqlConnection connection, NpgsqlTransaction transaction, IdGenerator ids)
{
    private readonly List<PendingAppend> _appends = [];

    /// <summary>Deliveries queued in the batch (announced after the commit; a rolled-back unit's only wake idle workers).</summary>
    public int QueuedDeliveries { get; set; }

    /// <summary>Engine runs queued in the batch.</summary>
    public int QueuedRuns { get; set; }

    /// <summary>Events appended in the batch (wakes live streams).</summary>
    public int AppendedEvents { get; private set; }

    /// <summary>Whether a command was inserted (wakes the command dispatcher before the callers resume).</summary>
    public bool InsertedCommands { get; set; }

    /// <summary>Buffers an append; <paramref name="reserved"/> is a sequence the unit's device update took.</summary>
    public void Append(NewEvent newEvent, long? reserved) => _appends.Add(new PendingAppend(newEvent, reserved));

    /// <summary>Drops the appends of a unit rolled back to its savepoint (they were buffered after it).</summary>
    public void DiscardAppends() => _appends.Clear();

    public async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await connection.ExecuteAsync(sql, parameters, transaction);
    }

    public async Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await connection.QueryAsync<T>(sql, parameters, transaction);
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await connection.QuerySingleAsync<T>(sql, parameters, transaction);
    }

    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await connection.QuerySingleOrDefaultAsync<T>(sql, parameters, transaction);
    }

    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters, transaction);
    }

    /// <summary>
    /// Writes the buffered appends: first which webhooks and engine automations each matches (no
    /// locks), then, in one statement, the device sequences (device rows locked in id order), the
    /// positions (the event log row, locked last, as in every other write), the events, their
    /// deliveries (the outbox) and their runs.
    /// </summary>
    public async ValueTask FlushAsync()
    {
        if (_appends.Count == 0)
        {
            return;
        }
        var appends = _appends.ToArray();
        _appends.Clear();
        var count = appends.Length;
        var orgs = new string[count];
        var types = new string[count];
        var deviceKeys = new string[count];
        var targets = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var e = appends[i].Event;
            orgs[i] = e.OrganizationId;
            types[i] = e.Type;
            deviceKeys[i] = e.DeviceId ?? "";
            targets[i] = e.TargetAutomationId;
        }
        var matches = (await connection.QueryAsync<MatchRow>(Sql.MatchAppends, new { orgs, types, deviceKeys, targets }, transaction)).AsList();

        var deliveries = new List<MatchRow>(matches.Count);
        var runs = new List<MatchRow>();
        foreach (var match in matches)
        {
            (match.WebhookId is null ? runs : deliveries).Add(match);
        }
        var events = new string[count];
        var devices = new string?[count];
        var ats = new long[count];
        var heads = new string[count];
        var tails = new string[count];
        var reserved = new long?[count];
        for (var i = 0; i < count; i++)
        {
            var (e, sequence) = appends[i];
            events[i] = e.Id;
            devices[i] = e.DeviceId;
            ats[i] = Ms.Of(e.CreatedAt);
            (heads[i], tails[i]) = EventData.Split(e.DeviceId, e.DataJson);
            reserved[i] = sequence;
        }
        await connection.ExecuteAsync(Sql.WriteAppends, new
        {
            events,
            orgs,
            types,
            devices,
            ats,
            heads,
            tails,
            reserved,
            deliveryIds = deliveries.Select(_ => ids.New("dlv")).ToArray(),
            deliveryEvents = deliveries.Select(d => d.N).ToArray(),
            deliveryWebhooks = deliveries.Select(d => d.WebhookId!).ToArray(),
            deliveryAutomations = deliveries.Select(d => d.AutomationId).ToArray(),
            deliveryOrdered = deliveries.Select(d => d.Ordered).ToArray(),
            runIds = runs.Select(_ => ids.New("run")).ToArray(),
            runEvents = runs.Select(r => r.N).ToArray(),
            runAutomations = runs.Select(r => r.AutomationId).ToArray(),
        }, transaction);
        AppendedEvents += count;
        QueuedDeliveries += deliveries.Count;
        QueuedRuns += runs.Count;
    }

    private readonly record struct PendingAppend(NewEvent Event, long? Reserved);

    /// <summary>A webhook (delivery) or, with no webhook, an engine automation (run) matching append <see cref="N"/> (1-based).</summary>
    private sealed class MatchRow
    {
        public long N { get; set; }
        public string? WebhookId { get; set; }
        public string AutomationId { get; set; } = "";
        public bool Ordered { get; set; }
    }
}
