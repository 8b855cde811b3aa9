namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    public string ClaimBrokerAccountJobs => field ??=
        RelationalSql.LeaseBrokerAccountJobs + SkipLocked + ") RETURNING " + RelationalSql.BrokerAccountJobColumns;
}
