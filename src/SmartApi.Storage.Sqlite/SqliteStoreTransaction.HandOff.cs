using System.Text;
using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    /// <summary>What this transaction hands to the engine after its commit (<see cref="DeliveryHandOff"/>).</summary>
    public HandedBatch Handed => handed;

    /// <summary>
    /// Writes one delivery an append routed. When this node's engine takes it (an unordered
    /// webhook), the row is written leased to the engine and the delivery is built as a claim would
    /// return it, from what the writer holds: the event as just written, the webhook from its cache.
    /// Otherwise it is pending for a claim, and the commit wakes the engine for it.
    /// </summary>
    private async ValueTask QueueRoutedDeliveryAsync(NewEvent newEvent, long position, string data, RoutedDelivery match, long at)
    {
        var id = Ids.New("dlv");
        var webhook = handed.Takes(match.Ordered) && StoredAsWritten(data) ? await HandedWebhookAsync(match.WebhookId) : null;
        // Once per delivery: bound by position on the raw statement (see RawStatement).
        RawStatement.For(connection, Sql.InsertRoutedDelivery, RoutedDeliveryParameters)
            .Bind(0, id)
            .Bind(1, newEvent.OrganizationId)
            .Bind(2, match.AutomationId)
            .Bind(3, match.WebhookId)
            .Bind(4, newEvent.Id)
            .Bind(5, position)
            .Bind(6, newEvent.Type)
            .Bind(7, newEvent.DeviceId)
            .Bind(8, EventRouter.OrderingKey(match.WebhookId, match.Ordered, newEvent.DeviceId))
            .Bind(9, at)
            .Bind(10, webhook is null ? null : handed.Owner)
            .Bind(11, webhook is null ? null : handed.LeaseUntil)
            .Execute();
        if (webhook is null)
        {
            QueuedDeliveries++;
            return;
        }
        handed.Add(DeliveryHandOff.Claimed(id, webhook, newEvent, position, data));
    }

    private static readonly string[] RoutedDeliveryParameters =
        ["@id", "@org", "@automation", "@webhook", "@event", "@position", "@type", "@device", "@orderingKey", "@at", "@leaseOwner", "@leaseUntil"];

    private async ValueTask<Webhook?> HandedWebhookAsync(string id)
    {
        if (webhookCache.Get(id) is { } cached)
        {
            return cached;
        }
        var webhook = (await Command(Sql.GetWebhook).With("@id", id).SingleOrDefaultAsync<WebhookRow>())?.ToEntity();
        if (webhook is not null)
        {
            webhookCache.Add(webhook);
        }
        return webhook;
    }

    /// <summary>
    /// Whether SQLite gives the data back as it was bound: a lone surrogate comes back as U+FFFD, and
    /// the engine must send the event as stored, so such an event's deliveries are claimed instead.
    /// </summary>
    private static bool StoredAsWritten(string data)
    {
        var rest = data.AsSpan();
        var first = rest.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return true;
        }
        rest = rest[first..];
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }
            rest = rest[used..];
        }
        return true;
    }
}
