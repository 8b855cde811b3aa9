namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>What the SQLite-only tests share: a database file of their own, ids, the test's token, an organization.</summary>
public abstract class SqliteFileTest : IDisposable
{
    protected static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private protected SqliteTestDatabase Database { get; } = new();
    private protected IdGenerator Ids { get; } = new(TimeProvider.System);

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Database.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected async Task<Organization> InsertOrganizationAsync(SqliteSmartApiStore store)
    {
        var organization = new Organization(Ids.New("org"), "Acme", Now);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            return true;
        }, Token);
        return organization;
    }
}
