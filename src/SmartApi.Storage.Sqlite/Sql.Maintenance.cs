namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string PruneMeasurements =
        "DELETE FROM measurements WHERE (device_id, ts) IN (SELECT device_id, ts FROM measurements WHERE ts < @before LIMIT @limit)";
}
