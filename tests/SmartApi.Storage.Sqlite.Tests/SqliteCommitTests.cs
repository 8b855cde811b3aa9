using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

public sealed class SqliteCommitTests : CommitComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}
