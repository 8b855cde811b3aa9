using Dapper;
using Npgsql;

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
internal sealed class BatchConnection(NpgsqlConnection connection, NpgsqlTransaction transaction, IdGenerator ids,
    DeliveryLeasing.Registration? leasing, TimeProvider time)
{
    private readonly List<PendingAppend> _appends = [];

    /// <summary>Deliveries written leased to this node's engine, handed to it after the commit.</summary>
    public List<ClaimedDelivery> Leased { get; } = [];

    /// <summary>The engine the batch leases deliveries to (read once, so a batch leases to one owner).</summary>
    public DeliveryLeasing.Registration? Registration => leasing;

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

    /// <summary>A row read as three objects, split at the <paramref name="splitOn"/> columns (Dapper multi-mapping).</summary>
    public async Task<IEnumerable<TResult>> QueryAsync<T1, T2, T3, TResult>(string sql, Func<T1, T2, T3, TResult> map, object? parameters, string splitOn)
    {
        await FlushAsync();
        return await connection.QueryAsync(sql, map, parameters, transaction, splitOn: splitOn);
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
        // A webhook row (a delivery) or, with none, an engine automation (a run) per match.
        var matches = await connection.QueryAsync<MatchRow, WebhookRow?, (long N, string? RuleAutomationId, WebhookRow? Webhook)>(Sql.MatchAppends,
            (match, webhook) => (match.N, match.RuleAutomationId, webhook), new { orgs, types, deviceKeys, targets }, transaction, splitOn: "id");
        var deliveries = new List<(long N, Webhook Webhook)>();
        var runs = new List<(long N, string AutomationId)>();
        foreach (var (n, ruleAutomationId, webhook) in matches)
        {
            if (webhook is not null)
            {
                deliveries.Add((n, webhook.ToEntity()));
            }
            else
            {
                runs.Add((n, ruleAutomationId!));
            }
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
        // Deliveries of unordered webhooks are leased to this node's engine, if it takes them.
        var leaseUntil = leasing is null ? (long?)null : Ms.Of(time.GetUtcNow() + leasing.Lease);
        var leased = deliveries.Select(d => leasing is not null && !d.Webhook.Ordered).ToArray();
        var deliveryIds = deliveries.Select(_ => ids.New("dlv")).ToArray();
        var written = await connection.QueryAsync<WrittenEventRow>(Sql.WriteAppends, new
        {
            events,
            orgs,
            types,
            devices,
            ats,
            heads,
            tails,
            reserved,
            deliveryIds,
            deliveryEvents = deliveries.Select(d => d.N).ToArray(),
            deliveryWebhooks = deliveries.Select(d => d.Webhook.Id).ToArray(),
            deliveryAutomations = deliveries.Select(d => d.Webhook.AutomationId).ToArray(),
            deliveryOrdered = deliveries.Select(d => d.Webhook.Ordered).ToArray(),
            deliveryLeaseOwners = leased.Select(l => l ? leasing!.Owner : null).ToArray(),
            deliveryLeaseUntil = leased.Select(l => l ? leaseUntil : null).ToArray(),
            leasedEvents = deliveries.Where((_, i) => leased[i]).Select(d => events[d.N - 1]).Distinct().ToArray(),
            runIds = runs.Select(_ => ids.New("run")).ToArray(),
            runEvents = runs.Select(r => r.N).ToArray(),
            runAutomations = runs.Select(r => r.AutomationId).ToArray(),
        }, transaction);
        AppendedEvents += count;
        // Leased deliveries go to this node's engine directly: no claim should look for them.
        QueuedDeliveries += leased.Count(l => !l);
        QueuedRuns += runs.Count;
        if (leasing is not null)
        {
            var stored = written.ToDictionary(w => w.Id, StringComparer.Ordinal);
            for (var i = 0; i < deliveries.Count; i++)
            {
                if (leased[i])
                {
                    var (n, webhook) = deliveries[i];
                    Leased.Add(Claimed(deliveryIds[i], webhook, appends[n - 1].Event, stored[events[n - 1]]));
                }
            }
        }
    }

    private readonly record struct PendingAppend(NewEvent Event, long? Reserved);

    /// <summary>The delivery as a claim would return it, once its row is written leased.</summary>
    private static ClaimedDelivery Claimed(string deliveryId, Webhook webhook, NewEvent newEvent, WrittenEventRow written)
    {
        // As stored: to the millisecond.
        var at = Ms.ToTime(Ms.Of(newEvent.CreatedAt));
        var delivery = new Delivery(deliveryId, newEvent.OrganizationId, webhook.AutomationId, webhook.Id, newEvent.Id, newEvent.Type, newEvent.DeviceId,
            DeliveryStatus.Pending, 0, at, null, null, at, at);
        return new ClaimedDelivery(delivery, webhook,
            new StoredEvent(written.Position, newEvent.Id, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, at, written.Data));
    }

    /// <summary>Which append (1-based) a match is for; an engine automation's id when it is a run.</summary>
    private sealed class MatchRow
    {
        public long N { get; set; }
        public string? RuleAutomationId { get; set; }
    }

    /// <summary>An event whose deliveries were leased: its position and data, known once written.</summary>
    private sealed class WrittenEventRow
    {
        public string Id { get; set; } = "";
        public long Position { get; set; }
        public string Data { get; set; } = "";
    }
}
