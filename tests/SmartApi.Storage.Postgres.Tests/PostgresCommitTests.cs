using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

public sealed class PostgresCommitTests : CommitComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
