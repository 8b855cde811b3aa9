namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// The writer's caches (device rows, subscribed event types) assume it is the only writer; when
/// another connection commits (a second store on the file), PRAGMA data_version makes it drop them.
/// </summary>
public sealed class SqliteWriterCacheTests : SqliteFileTest
{
    [Fact]
    public async Task Writer_AfterAnotherStoreOnTheFileCommitted_ReadsItsDeviceChangeAndMatchesItsAutomation()
    {
        await using var first = await Database.OpenAsync(Token);
        await using var second = await Database.OpenAsync(Token);
        var organization = new Organization(Ids.New("org"), "Acme", Now);
        var device = new Device(Ids.New("dev"), organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string>(), "last", [1], false, null,
            "unknown", null, Now, Now);
        await WriteAsync(first, async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            await tx.InsertDeviceAsync(device);
            await tx.AppendEventAsync(new NewEvent(Ids.New("evt"), organization.Id, "device.online", device.Id, Now, "{}"));
        });
        Assert.Equal("Kettle", (await first.WriteAsync(tx => tx.GetDeviceAsync(organization.Id, device.Id), Token))!.Name);

        var automation = new Automation(Ids.New("aut"), organization.Id, "Forward", true, """{"trigger":{"events":["*"]}}""", Now, Now);
        await WriteAsync(second, async tx =>
        {
            await tx.UpdateDeviceAsync(device with { Name = "Toaster" });
            await tx.SaveAutomationAsync(automation, [new WebhookDefinition(0, "https://erp.example.com/smart", "{}", false, false)], [new Subscription("*", null)]);
        });

        Assert.Equal("Toaster", (await first.WriteAsync(tx => tx.GetDeviceAsync(organization.Id, device.Id), Token))!.Name);
        await WriteAsync(first, async tx => await tx.AppendEventAsync(new NewEvent(Ids.New("evt"), organization.Id, "device.online", device.Id, Now, "{}")));
        Assert.Equal(1, await first.CountPendingDeliveriesAsync(Token));
    }

    private static Task<bool> WriteAsync(SqliteSmartApiStore store, Func<IStoreTransaction, Task> work) =>
        store.WriteAsync(async tx =>
        {
            await work(tx);
            return true;
        }, Token);
}
