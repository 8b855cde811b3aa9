namespace SmartApi.Storage;

/// <summary>The event log: read by the API, polled and streamed.</summary>
public interface IEventStore
{
    Task<StoredEvent?> GetEventAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events in log order strictly after the cursor (an event id). Never skips an event that a
    /// later call could return before the cursor, even while other transactions append.
    /// </summary>
    Task<PageResult<StoredEvent>> ListEventsAsync(string organizationId, EventFilter filter, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>
    /// The id of the organization's latest event in log order, or null when it has none: where a
    /// live stream without a cursor starts. The default pages through the log; providers answer it
    /// with one indexed read.
    /// </summary>
    async Task<string?> GetLatestEventIdAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        string? latest = null;
        PageResult<StoredEvent> page;
        do
        {
            page = await ListEventsAsync(organizationId, new EventFilter(), new PageRequest(latest, 500), cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0)
            {
                latest = page.Items[^1].Id;
            }
        }
        while (page.HasMore);
        return latest;
    }
}

/// <summary>Appending to the event log inside a write transaction.</summary>
public interface IEventTransaction
{
    /// <summary>
    /// Appends an event; for device events it allocates the device's next sequence number. In the
    /// same transaction it queues a delivery for every matching webhook (the outbox) and a run for
    /// every matching engine automation. Its position and sequence are known once the unit has
    /// committed (read the event back then): a provider may write a unit's appends, and those of
    /// the units committed with it, in one statement just before the commit.
    /// </summary>
    ValueTask AppendEventAsync(NewEvent newEvent);
}
