namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    /// <summary>The version of what routes events (migration 0011), read by every batch that appends.</summary>
    public const string RoutingVersion = "SELECT version FROM routing_version WHERE id = 1;";

    /// <summary>Run by every transaction that changes what routes events, so that every node's writer reloads it.</summary>
    public const string BumpRoutingVersion = "UPDATE routing_version SET version = version + 1 WHERE id = 1";
}
