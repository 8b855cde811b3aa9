using Dapper;
using Npgsql;
using SmartApi.Storage.Relational.Routing;
using SmartApi.Storage.Routing;

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
    DeliveryLeasing shared, TimeProvider time)
{
    private readonly List<PendingAppend> _appends = [];
    private SubscriptionSnapshot? _own;

    /// <summary>Deliveries written leased to this node's engine (read once, so a batch leases to one owner), handed to it after the commit.</summary>
    public HandedBatch Handed { get; } = new(shared.HandOff.Current, time);

    /// <summary>Deliveries queued in the batch (announced after the commit; a rolled-back unit's only wake idle workers).</summary>
    public int QueuedDeliveries { get; set; }

    /// <summary>Engine runs queued in the batch.</summary>
    public int QueuedRuns { get; set; }

    /// <summary>Events appended in the batch (wakes live streams).</summary>
    public int AppendedEvents { get; private set; }

    /// <summary>Whether a command was inserted (wakes the command dispatcher before the callers resume).</summary>
    public bool InsertedCommands { get; set; }

    /// <summary>Whether a unit of the batch changed what routes events (its snapshot is then the batch's alone).</summary>
    public bool SubscriptionsChanged { get; private set; }

    /// <summary>Called by every change to what routes events: every node's next batch reloads its snapshot.</summary>
    public async ValueTask ChangingSubscriptionsAsync()
    {
        SubscriptionsChanged = true;
        _own = null;
        await ExecuteAsync(Sql.BumpRoutingVersion);
    }

    /// <summary>
    /// The subscriptions as committed when this is called, and as this transaction changed them: one
    /// round trip reads the routing version, a second reloads only when it moved. A snapshot holding
    /// this transaction's own (uncommitted) changes is never shared: the transaction may roll back.
    /// </summary>
    public async ValueTask<SubscriptionSnapshot> GetSubscriptionsAsync()
    {
        if (SubscriptionsChanged)
        {
            return _own ??= await SubscriptionSnapshotLoader.LoadAsync(connection, transaction);
        }
        var version = await connection.ExecuteScalarAsync<long>(Sql.RoutingVersion, transaction: transaction);
        if (shared.Snapshot is { } cached && cached.Version == version)
        {
            return cached;
        }
        var loaded = await SubscriptionSnapshotLoader.LoadAsync(connection, transaction, Sql.RoutingVersion);
        shared.Snapshot = loaded;
        return loaded;
    }

    /// <summary>Buffers an append; <paramref name="reserved"/> is a sequence the unit's device update took.</summary>
    public void Append(NewEvent newEvent, long? reserved) => _appends.Add(new PendingAppend(newEvent, reserved));

    /// <summary>Drops the appends of a unit rolled back to its savepoint (they were buffered after it), and what it routed with.</summary>
    public void DiscardAppends()
    {
        _appends.Clear();
        _own = null; // it may hold the unit's changes to subscriptions
    }

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
    /// Writes the buffered appends: first the routing version is read (no locks) and the
    /// <see cref="EventRouter"/> decides, in memory, which webhooks and engine automations each
    /// event reaches; then, in one statement, the device sequences (device rows locked in id order), the
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
        // Which deliveries and runs each append produces (EventRouter), from the subscriptions as of now.
        var snapshot = await GetSubscriptionsAsync();
        var deliveries = new List<RoutedDelivery>();
        var runs = new List<RoutedRun>();
        for (var i = 0; i < count; i++)
        {
            var e = appends[i].Event;
            if (e.TargetAutomationId is not null || snapshot.MayMatch(e.OrganizationId, e.Type))
            {
                EventRouter.Route(snapshot, i + 1, e.OrganizationId, e.Type, e.DeviceId, e.TargetAutomationId, deliveries, runs);
            }
        }
        var events = new string[count];
        var devices = new string?[count];
        var ats = new long[count];
        var heads = new string[count];
        var tails = new string[count];
        var reserved = new long?[count];
        var traces = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var (e, sequence) = appends[i];
            events[i] = e.Id;
            devices[i] = e.DeviceId;
            ats[i] = Ms.Of(e.CreatedAt);
            (heads[i], tails[i]) = EventData.Split(e.DeviceId, e.DataJson);
            reserved[i] = sequence;
            traces[i] = e.TraceParent;
        }
        // Deliveries of unordered webhooks are leased to this node's engine, if it takes them.
        var leased = deliveries.Select(d => Handed.Takes(d.Ordered)).ToArray();
        var leaseUntil = leased.Any(l => l) ? Handed.LeaseUntil : (long?)null;
        var deliveryIds = deliveries.Select(_ => ids.New("dlv")).ToArray();
        var written = await connection.QueryAsync<WrittenEventRow, WebhookRow?, (WrittenEventRow Event, WebhookRow? Webhook)>(Sql.WriteAppends,
            (row, webhook) => (row, webhook), new
            {
                events,
                orgs,
                types,
                devices,
                ats,
                heads,
                tails,
                reserved,
                traces,
                deliveryIds,
                deliveryEvents = deliveries.Select(d => (long)d.Event).ToArray(),
                deliveryWebhooks = deliveries.Select(d => d.WebhookId).ToArray(),
                deliveryAutomations = deliveries.Select(d => d.AutomationId).ToArray(),
                deliveryOrdered = deliveries.Select(d => d.Ordered).ToArray(),
                deliveryLeaseOwners = leased.Select(l => l ? Handed.Owner : null).ToArray(),
                deliveryLeaseUntil = leased.Select(l => l ? leaseUntil : null).ToArray(),
                leasedEvents = deliveries.Where((_, i) => leased[i]).Select(d => events[d.Event - 1]).Distinct().ToArray(),
                leasedWebhooks = deliveries.Where((_, i) => leased[i]).Select(d => d.WebhookId).Distinct().ToArray(),
                runIds = runs.Select(_ => ids.New("run")).ToArray(),
                runEvents = runs.Select(r => (long)r.Event).ToArray(),
                runAutomations = runs.Select(r => r.AutomationId).ToArray(),
            }, transaction, splitOn: "id");
        AppendedEvents += count;
        // Leased deliveries go to this node's engine directly: no claim should look for them.
        QueuedDeliveries += leased.Count(l => !l);
        QueuedRuns += runs.Count;
        if (Handed.Owner is not null)
        {
            var stored = new Dictionary<string, WrittenEventRow>(StringComparer.Ordinal);
            var webhooks = new Dictionary<string, Webhook>(StringComparer.Ordinal);
            foreach (var (row, webhook) in written)
            {
                if (webhook is not null)
                {
                    webhooks[webhook.Id] = webhook.ToEntity();
                }
                else
                {
                    stored[row.EventId!] = row;
                }
            }
            for (var i = 0; i < deliveries.Count; i++)
            {
                // (A webhook deleted since the snapshot has no row: its delivery went with it, by cascade.)
                if (leased[i] && webhooks.TryGetValue(deliveries[i].WebhookId, out var webhook))
                {
                    var n = deliveries[i].Event;
                    var row = stored[events[n - 1]];
                    Handed.Add(DeliveryHandOff.Claimed(deliveryIds[i], webhook, appends[n - 1].Event, row.Position, row.Data));
                }
            }
        }
    }

    private readonly record struct PendingAppend(NewEvent Event, long? Reserved);

    /// <summary>An event whose deliveries were leased: its position and data, known once written.</summary>
    private sealed class WrittenEventRow
    {
        public string? EventId { get; set; }
        public long Position { get; set; }
        public string Data { get; set; } = "";
    }
}
