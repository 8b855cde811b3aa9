namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask<bool> SetDevicePasswordHashAsync(string organizationId, string id, byte[] hash, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.SetDevicePasswordHash, new { org = organizationId, id, hash, at = Ms.Of(at) }) == 1;

    public async ValueTask EnqueueBrokerAccountJobAsync(string serial, BrokerAccountAction action, byte[]? secret, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.InsertBrokerAccountJob, new { serial, action = BrokerAccountJobRow.ActionOf(action), secret, at = Ms.Of(at) });

    public async ValueTask<IReadOnlyList<BrokerAccountJob>> ClaimBrokerAccountJobsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit)
    {
        var rows = await QueryAsync<BrokerAccountJobRow>(Dialect.ClaimBrokerAccountJobs,
            new { owner, now = Ms.Of(now), until = Ms.Of(leaseUntil), limit });
        // RETURNING has no defined order.
        return [.. rows.Select(r => r.ToEntity()).OrderBy(j => j.Id)];
    }

    public async ValueTask<bool> CompleteBrokerAccountJobAsync(long id, string owner) =>
        await ExecuteAsync(RelationalSql.CompleteBrokerAccountJob, new { id, owner }) == 1;

    public async ValueTask<bool> RetryBrokerAccountJobAsync(long id, string owner, DateTimeOffset dueAt, string error) =>
        await ExecuteAsync(RelationalSql.RetryBrokerAccountJob, new { id, owner, due = Ms.Of(dueAt), error = error.Length > 500 ? error[..500] : error }) == 1;

    public async ValueTask<IReadOnlyList<string>> FindDeviceSerialsAsync(IReadOnlyCollection<string> serials) =>
        serials.Count == 0 ? [] : [.. await QueryAsync<string>(Dialect.FindDeviceSerials, new { serials = Dialect.IdList(serials) })];
}
