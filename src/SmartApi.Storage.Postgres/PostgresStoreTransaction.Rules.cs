using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    public async ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now)
    {
        var stored = await db.QuerySingleOrDefaultAsync<EventPositionRow>(Sql.GetEventForDelivery, new { org = organizationId, id = eventId });
        if (stored is null)
        {
            return [];
        }
        // The engine's deliveries go where a test event would: the automation's active webhooks.
        var webhooks = new List<RoutedDelivery>();
        EventRouter.Route(await db.GetSubscriptionsAsync(), 0, organizationId, stored.Type, stored.DeviceId, automationId, webhooks, []);
        if (webhooks.Count == 0)
        {
            return [];
        }
        var deliveryIds = webhooks.Select(_ => Ids.New("dlv")).ToArray();
        db.QueuedDeliveries += webhooks.Count;
        await db.ExecuteAsync(Sql.InsertRunDeliveries, new
        {
            org = organizationId,
            automation = automationId,
            @event = eventId,
            position = stored.Position,
            type = stored.Type,
            device = stored.DeviceId,
            at = Ms.Of(now),
            ids = deliveryIds,
            webhooks = webhooks.Select(m => m.WebhookId).ToArray(),
            orderingKeys = webhooks.Select(m => EventRouter.OrderingKey(m.WebhookId, m.Ordered, stored.DeviceId)).ToArray(),
        });
        return deliveryIds;
    }
}
