namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// The writer's caches (device rows, subscribed event types) assume it is the only writer; when
/// another connection commits (a second store on the file), PRAGMA data_version makes it drop them.
/// </summary>
public sealed class SqliteWriterCacheTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDatabase _database = new();
    private readonly IdGenerator _ids = new(TimeProvider.System);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Writer_AfterAnotherStoreOnTheFileCommitted_ReadsItsDeviceChangeAndMatchesItsAutomation()
    {
        await using var first = await _database.OpenAsync(Token);
        await using var second = await _database.OpenAsync(Token);
        var organization = new Organization(_ids.New("org"), "Acme", Now);
        var device = new Device(_ids.New("dev"), organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string>(), "last", [1], false, null,
            "unknown", null, Now, Now);
        await WriteAsync(first, async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            await tx.InsertDeviceAsync(device);
            await tx.AppendEventAsync(new NewEvent(_ids.New("evt"), organization.Id, "device.online", device.Id, Now, "{}"));
        });
        Assert.Equal("Kettle", (await first.WriteAsync(tx => tx.GetDeviceAsync(organization.Id, device.Id), Token))!.Name);

        var automation = new Automation(_ids.New("aut"), organization.Id, "Forward", true, """{"trigger":{"events":["*"]}}""", Now, Now);
        await WriteAsync(second, async tx =>
        {
            await tx.UpdateDeviceAsync(device with { Name = "Toaster" });
            await tx.SaveAutomationAsync(automation, [new WebhookDefinition(0, "https://erp.example.com/smart", "{}", false, false)], [new Subscription("*", null)]);
        });

        Assert.Equal("Toaster", (await first.WriteAsync(tx => tx.GetDeviceAsync(organization.Id, device.Id), Token))!.Name);
        await WriteAsync(first, async tx => await tx.AppendEventAsync(new NewEvent(_ids.New("evt"), organization.Id, "device.online", device.Id, Now, "{}")));
        Assert.Equal(1, await first.CountPendingDeliveriesAsync(Token));
    }

    private static Task<bool> WriteAsync(SqliteSmartApiStore store, Func<IStoreTransaction, Task> work) =>
        store.WriteAsync(async tx =>
        {
            await work(tx);
            return true;
        }, Token);
}
