namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string FindCommand = "SELECT " + CommandColumns + " FROM commands WHERE device_id = @device AND id = @id";
    public const string CompleteCommand =
        "UPDATE commands SET status = @status, error = @error, updated_at = @now, lease_owner = NULL, lease_until = NULL " +
        "WHERE id = @id AND status IN ('pending', 'delivered')";
    public const string ClaimEnergyReport =
        "INSERT INTO energy_reports (period_start, reported_at) VALUES (@start, @now) ON CONFLICT (period_start) DO NOTHING";
    public const string LastEnergyReport = "SELECT MAX(period_start) FROM energy_reports";
}
