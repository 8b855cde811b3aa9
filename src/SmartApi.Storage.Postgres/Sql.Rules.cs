namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    // One statement for every webhook of the automation: the rows travel as arrays.
    public const string InsertRunDeliveries =
        InsertDeliveriesInto +
        "SELECT u.id, @org, @automation, u.webhook, @event, @position, @type, @device, u.ordering_key, 'pending', @at, @at, @at " +
        "FROM unnest(@ids, @webhooks, @orderingKeys) AS u(id, webhook, ordering_key)";
}
