namespace SmartApi.Storage.Sqlite;

internal static partial class Sql
{
    public const string LatestEventId =
        "SELECT id FROM events WHERE organization_id = @org ORDER BY position DESC LIMIT 1";
}
