namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    public const string FindDevicesBySerial = "SELECT " + DeviceColumns + " FROM devices WHERE serial = @serial ORDER BY id";
    public const string ListOnlineDevices = "SELECT id, organization_id FROM devices WHERE online ORDER BY id";

    // SKIP LOCKED: nodes claiming at once each take different commands instead of waiting on each other.
    private const string ClaimCommandsHead =
        "UPDATE commands SET lease_owner = @owner, lease_until = @until WHERE id IN (SELECT id FROM commands " +
        "WHERE status = 'pending' AND expires_at > @now AND (lease_until IS NULL OR lease_until <= @now) AND ";
    private const string ClaimCommandsTail = " ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED) RETURNING " + CommandColumns;
    public const string ClaimCommandsOfDevices = ClaimCommandsHead + "device_id = ANY(@devices)" + ClaimCommandsTail;
    public const string ClaimCommandsOfOnlineDevices = ClaimCommandsHead + "device_id IN (SELECT id FROM devices WHERE online)" + ClaimCommandsTail;

    public const string MarkCommandsDelivered =
        "UPDATE commands SET status = 'delivered', updated_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = ANY(@ids) AND status = 'pending'";
    public const string ExpireCommands =
        "UPDATE commands SET status = 'expired', updated_at = @now, lease_owner = NULL, lease_until = NULL, " +
        "error = CASE status WHEN 'delivered' THEN 'not_acknowledged' ELSE 'not_delivered' END " +
        "WHERE id IN (SELECT id FROM commands WHERE status IN ('pending', 'delivered') AND expires_at <= @now ORDER BY expires_at LIMIT @limit FOR UPDATE SKIP LOCKED) " +
        "RETURNING " + CommandColumns;

    public const string SumEnergy =
        "SELECT device_id, organization_id, energy_wh FROM (SELECT d.id AS device_id, d.organization_id, " +
        "(SELECT SUM(delta_wh) FROM measurements m WHERE m.device_id = d.id AND m.ts >= @from AND m.ts < @to AND " + Plausible + ") AS energy_wh FROM devices d) s " +
        "WHERE energy_wh IS NOT NULL ORDER BY device_id";
}
