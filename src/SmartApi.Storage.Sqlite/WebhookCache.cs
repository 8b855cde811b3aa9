namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The writer's copy of the webhook rows it hands deliveries to, so that a handed delivery carries
/// its webhook without a read per append. Kept exact like <see cref="DeviceCache"/>: any change to
/// a webhook row on the writer connection drops it (<see cref="RowChangeHook"/>), and so does a
/// rollback or another connection's commit (<c>PRAGMA data_version</c>). Receivers that succeed
/// change no webhook row, so the copy lives as long as nothing about a webhook changes.
/// </summary>
internal sealed class WebhookCache
{
    private const int MaxWebhooks = 10_000;
    private readonly Dictionary<string, Webhook> _webhooks = new(StringComparer.Ordinal);

    public bool IsEmpty => _webhooks.Count == 0;

    public void Clear() => _webhooks.Clear();

    public Webhook? Get(string id) => _webhooks.GetValueOrDefault(id);

    public void Add(Webhook webhook)
    {
        if (_webhooks.Count >= MaxWebhooks)
        {
            _webhooks.Clear();
        }
        _webhooks[webhook.Id] = webhook;
    }
}
