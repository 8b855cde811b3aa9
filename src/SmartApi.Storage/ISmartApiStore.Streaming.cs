namespace SmartApi.Storage;

public partial interface ISmartApiStore
{
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
