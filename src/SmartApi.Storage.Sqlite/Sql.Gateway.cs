namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string FindDevicesBySerial = "SELECT " + DeviceColumns + " FROM devices WHERE serial = @serial ORDER BY id";
    public const string ListOnlineDevices = "SELECT id, organization_id FROM devices WHERE online = 1 ORDER BY id";

    // The subquery picks the oldest claimable commands through the partial pending index; the
    // device set travels as a JSON array so any number of devices is one statement.
    private const string ClaimCommandsHead =
        "UPDATE commands SET lease_owner = @owner, lease_until = @until WHERE id IN (SELECT id FROM commands " +
        "WHERE status = 'pending' AND expires_at > @now AND (lease_until IS NULL OR lease_until <= @now) AND device_id IN ";
    private const string ClaimCommandsTail = " ORDER BY id LIMIT @limit) RETURNING " + CommandColumns;
    public const string ClaimCommandsOfDevices = ClaimCommandsHead + "(SELECT value FROM json_each(@devices))" + ClaimCommandsTail;
    public const string ClaimCommandsOfOnlineDevices = ClaimCommandsHead + "(SELECT id FROM devices WHERE online = 1)" + ClaimCommandsTail;

    public const string MarkCommandDelivered =
        "UPDATE commands SET status = 'delivered', updated_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @id AND status = 'pending'";
    public const string ExpireCommands =
        "UPDATE commands SET status = 'expired', updated_at = @now, lease_owner = NULL, lease_until = NULL, " +
        "error = CASE status WHEN 'delivered' THEN 'not_acknowledged' ELSE 'not_delivered' END " +
        "WHERE id IN (SELECT id FROM commands WHERE status IN ('pending', 'delivered') AND expires_at <= @now ORDER BY expires_at LIMIT @limit) " +
        "RETURNING " + CommandColumns;

    // Per device through the (device_id, ts) primary key rather than one scan of every sample.
    public const string SumEnergy =
        "SELECT device_id, organization_id, energy_wh FROM (SELECT d.id AS device_id, d.organization_id, " +
        "(SELECT SUM(delta_wh) FROM measurements m WHERE m.device_id = d.id AND m.ts >= @from AND m.ts < @to AND " + Plausible + ") AS energy_wh FROM devices d) " +
        "WHERE energy_wh IS NOT NULL ORDER BY device_id";
}
