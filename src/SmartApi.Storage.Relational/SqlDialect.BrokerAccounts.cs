namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    public string ClaimBrokerAccountJobs => field ??=
        RelationalSql.LeaseBrokerAccountJobs + SkipLocked + ") RETURNING " + RelationalSql.BrokerAccountJobColumns;
    public string FindDeviceSerials => field ??= "SELECT serial FROM devices WHERE " + InList("serial", "serials");
    // A device with an upsert still pending gets its account from that job.
    public string CountDevicesWithoutBrokerAccount => field ??=
        "SELECT COUNT(*) FROM devices d WHERE NOT (" + InList("d.serial", "accounts") + ") " +
        "AND NOT EXISTS (SELECT 1 FROM broker_account_jobs j WHERE j.serial = d.serial AND j.action = 'upsert')";
}
