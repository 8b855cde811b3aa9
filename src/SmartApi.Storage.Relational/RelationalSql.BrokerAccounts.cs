namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string SetDevicePasswordHash =
        "UPDATE devices SET mqtt_password_hash = @hash, updated_at = @at WHERE organization_id = @org AND id = @id";
    public const string BrokerAccountJobColumns = "id, serial, action, secret, attempts, last_error, created_at, due_at";
    public const string InsertBrokerAccountJob =
        "INSERT INTO broker_account_jobs (serial, action, secret, attempts, created_at, due_at, lease_until) VALUES (@serial, @action, @secret, 0, @at, @at, 0)";

    // Only the oldest job of a serial is a candidate, so create, rotate and delete reach the broker in order.
    public const string LeaseBrokerAccountJobs =
        "UPDATE broker_account_jobs SET lease_owner = @owner, lease_until = @until " +
        "WHERE lease_until <= @now AND id IN (SELECT j.id FROM broker_account_jobs j WHERE j.due_at <= @now AND j.lease_until <= @now " +
        "AND NOT EXISTS (SELECT 1 FROM broker_account_jobs e WHERE e.serial = j.serial AND e.id < j.id) ORDER BY j.id LIMIT @limit";
    public const string CompleteBrokerAccountJob = "DELETE FROM broker_account_jobs WHERE id = @id AND lease_owner = @owner";
    public const string RetryBrokerAccountJob =
        "UPDATE broker_account_jobs SET lease_owner = NULL, lease_until = 0, attempts = attempts + 1, last_error = @error, due_at = @due " +
        "WHERE id = @id AND lease_owner = @owner";
    public const string ListBrokerAccountJobs = "SELECT " + BrokerAccountJobColumns + " FROM broker_account_jobs ORDER BY id LIMIT @limit";
}
