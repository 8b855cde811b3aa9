
namespace SmartApi.Storage.Compliance;

public abstract class OrganizationAndApiKeyComplianceTests : StorageComplianceTests
{
    private static readonly TimeSpan Granularity = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task GetOrganization_AfterInsert_ReturnsIt()
    {
        var organization = await CreateOrganizationAsync("Acme");

        Assert.Equal(organization, await Store.GetOrganizationAsync(organization.Id, Token));
        Assert.Null(await Store.GetOrganizationAsync(Ids.New("org"), Token));
    }

    [Fact]
    public async Task SetOrganizationLimits_ThenGetAndList_ReturnsThemAndNullClearsThem()
    {
        var organization = await CreateOrganizationAsync();
        var limits = new OrganizationLimitOverrides(RequestsPerSecond: 5, RequestBurst: 10, MaxDevices: 3, MaxAutomations: 2, MaxWebhooks: 1,
            DeviceMessagesPerSecond: 7);

        Assert.True(await WriteAsync(tx => tx.SetOrganizationLimitsAsync(organization.Id, limits)));

        Assert.Equal(limits, (await Store.GetOrganizationAsync(organization.Id, Token))!.Limits);
        Assert.Equal(limits, Assert.Single((await Store.ListOrganizationsAsync(new PageRequest(null, 10), Token)).Items).Limits);

        Assert.True(await WriteAsync(tx => tx.SetOrganizationLimitsAsync(organization.Id, new OrganizationLimitOverrides(MaxDevices: 9))));
        Assert.Equal(new OrganizationLimitOverrides(MaxDevices: 9), (await Store.GetOrganizationAsync(organization.Id, Token))!.Limits);

        Assert.True(await WriteAsync(tx => tx.SetOrganizationLimitsAsync(organization.Id, null)));
        Assert.Null((await Store.GetOrganizationAsync(organization.Id, Token))!.Limits);
        Assert.False(await WriteAsync(tx => tx.SetOrganizationLimitsAsync(Ids.New("org"), limits)));
    }

    [Fact]
    public async Task SetOrganizationTimeZone_KnownAndUnknownId_DefaultsToUtcAndChangesOnlyTheKnownOne()
    {
        var organization = await CreateOrganizationAsync();
        Assert.Equal("UTC", (await Store.GetOrganizationAsync(organization.Id, Token))!.TimeZone);

        Assert.True(await WriteAsync(tx => tx.SetOrganizationTimeZoneAsync(organization.Id, "Asia/Kathmandu")));
        Assert.False(await WriteAsync(tx => tx.SetOrganizationTimeZoneAsync(Ids.New("org"), "Asia/Kathmandu")));

        Assert.Equal("Asia/Kathmandu", (await Store.GetOrganizationAsync(organization.Id, Token))!.TimeZone);
        Assert.Equal("Asia/Kathmandu", Assert.Single((await Store.ListOrganizationsAsync(new PageRequest(null, 10), Token)).Items).TimeZone);
    }

    [Fact]
    public async Task RenameOrganization_KnownAndUnknownId_RenamesOnlyTheKnownOne()
    {
        var organization = await CreateOrganizationAsync("Old");

        Assert.True(await WriteAsync(tx => tx.RenameOrganizationAsync(organization.Id, "New")));
        Assert.False(await WriteAsync(tx => tx.RenameOrganizationAsync(Ids.New("org"), "New")));

        Assert.Equal(organization with { Name = "New" }, await Store.GetOrganizationAsync(organization.Id, Token));
    }

    [Fact]
    public async Task ListOrganizations_SeveralPages_ReturnsEachOnceInIdOrder()
    {
        var created = new List<Organization>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await CreateOrganizationAsync($"Org {i}"));
        }

        var first = await Store.ListOrganizationsAsync(new PageRequest(null, 3), Token);
        Assert.True(first.HasMore);
        Assert.Equal(created.Take(3), first.Items);
        var all = await ReadAllPagesAsync(after => Store.ListOrganizationsAsync(new PageRequest(after, 3), Token), o => o.Id, 3);
        Assert.Equal(created, all);
    }

    [Fact]
    public async Task ListOrganizations_LimitEqualsCount_HasNoMore()
    {
        await CreateOrganizationAsync();
        await CreateOrganizationAsync();

        var page = await Store.ListOrganizationsAsync(new PageRequest(null, 2), Token);

        Assert.Equal(2, page.Items.Count);
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task AnyApiKey_EmptyStoreThenInsert_FalseThenTrue()
    {
        Assert.False(await Store.AnyApiKeyAsync(Token));
        var organization = await CreateOrganizationAsync();
        await InsertKeyAsync(organization.Id);

        Assert.True(await Store.AnyApiKeyAsync(Token));
    }

    [Fact]
    public async Task InsertApiKey_RoundTrip_KeepsEveryField()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);

        var byId = await Store.GetApiKeyAsync(organization.Id, key.Id, Token);
        var byHash = await Store.FindApiKeyByHashAsync(key.Hash.ToArray(), Token);

        foreach (var found in new[] { byId, byHash })
        {
            Assert.NotNull(found);
            Assert.Equal(key.Id, found.Id);
            Assert.Equal(organization.Id, found.OrganizationId);
            Assert.Equal(key.Name, found.Name);
            Assert.Equal(key.Prefix, found.Prefix);
            Assert.Equal(key.Hash, found.Hash);
            Assert.Equal(key.Scopes, found.Scopes);
            Assert.Equal(key.CreatedAt, found.CreatedAt);
            Assert.Null(found.LastUsedAt);
            Assert.Null(found.RevokedAt);
        }
        Assert.Null(await Store.FindApiKeyByHashAsync([9, 9, 9], Token));
    }

    [Fact]
    public async Task GetApiKey_OtherOrganization_ReturnsNullAndEmptyList()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var key = await InsertKeyAsync(owner.Id);

        Assert.Null(await Store.GetApiKeyAsync(other.Id, key.Id, Token));
        Assert.Empty((await Store.ListApiKeysAsync(other.Id, new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task ListApiKeys_SeveralPages_ReturnsOnlyTheOrganizationsKeysInIdOrder()
    {
        var organization = await CreateOrganizationAsync("Mine");
        var other = await CreateOrganizationAsync("Other");
        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            keys.Add((await InsertKeyAsync(organization.Id)).Id);
            await InsertKeyAsync(other.Id);
        }

        var first = await Store.ListApiKeysAsync(organization.Id, new PageRequest(null, 2), Token);
        var all = await ReadAllPagesAsync(after => Store.ListApiKeysAsync(organization.Id, new PageRequest(after, 2), Token), k => k.Id, 2);

        Assert.True(first.HasMore);
        Assert.Equal(keys, all.Select(k => k.Id));
    }

    [Fact]
    public async Task RevokeApiKey_Twice_RevokesOnlyOnce()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);
        var firstAt = Time.GetUtcNow().AddMinutes(1);

        var first = await WriteAsync(tx => tx.RevokeApiKeyAsync(organization.Id, key.Id, firstAt));
        var second = await WriteAsync(tx => tx.RevokeApiKeyAsync(organization.Id, key.Id, firstAt.AddMinutes(5)));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(firstAt, (await Store.GetApiKeyAsync(organization.Id, key.Id, Token))!.RevokedAt);
    }

    [Fact]
    public async Task RevokeApiKey_OtherOrganization_ReturnsFalseAndKeepsKeyActive()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var key = await InsertKeyAsync(owner.Id);

        Assert.False(await WriteAsync(tx => tx.RevokeApiKeyAsync(other.Id, key.Id, Time.GetUtcNow())));
        Assert.False(await WriteAsync(tx => tx.RevokeApiKeyAsync(owner.Id, Ids.New("key"), Time.GetUtcNow())));
        Assert.Null((await Store.GetApiKeyAsync(owner.Id, key.Id, Token))!.RevokedAt);
    }

    [Fact]
    public async Task TouchApiKeys_FirstUse_SetsLastUsedAt()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);
        var at = Time.GetUtcNow().AddSeconds(5);

        await TouchAsync(key.Id, at);

        Assert.Equal(at, await LastUsedAtAsync(organization.Id, key.Id));
    }

    [Fact]
    public async Task TouchApiKeys_LessThanGranularityLater_KeepsStoredValue()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);
        var at = Time.GetUtcNow();
        await TouchAsync(key.Id, at);

        await TouchAsync(key.Id, at + Granularity - TimeSpan.FromMilliseconds(1));

        Assert.Equal(at, await LastUsedAtAsync(organization.Id, key.Id));
    }

    [Fact]
    public async Task TouchApiKeys_AtLeastGranularityLater_MovesForward()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);
        var at = Time.GetUtcNow();
        await TouchAsync(key.Id, at);

        await TouchAsync(key.Id, at + Granularity);
        Assert.Equal(at + Granularity, await LastUsedAtAsync(organization.Id, key.Id));

        await TouchAsync(key.Id, at + (3 * Granularity) + TimeSpan.FromSeconds(7));
        Assert.Equal(at + (3 * Granularity) + TimeSpan.FromSeconds(7), await LastUsedAtAsync(organization.Id, key.Id));
    }

    [Fact]
    public async Task TouchApiKeys_EarlierUse_NeverMovesBackward()
    {
        var organization = await CreateOrganizationAsync();
        var key = await InsertKeyAsync(organization.Id);
        var at = Time.GetUtcNow().AddHours(1);
        await TouchAsync(key.Id, at);

        await TouchAsync(key.Id, at - TimeSpan.FromHours(1));

        Assert.Equal(at, await LastUsedAtAsync(organization.Id, key.Id));
    }

    [Fact]
    public async Task TouchApiKeys_SeveralKeysInOneCall_UpdatesEachAndIgnoresUnknownIds()
    {
        var organization = await CreateOrganizationAsync();
        var first = await InsertKeyAsync(organization.Id);
        var second = await InsertKeyAsync(organization.Id);
        var at = Time.GetUtcNow();

        await WriteAsync(tx => tx.TouchApiKeysAsync([(first.Id, at), (Ids.New("key"), at), (second.Id, at.AddSeconds(1))], Granularity));

        Assert.Equal(at, await LastUsedAtAsync(organization.Id, first.Id));
        Assert.Equal(at.AddSeconds(1), await LastUsedAtAsync(organization.Id, second.Id));
    }

    private async Task<ApiKey> InsertKeyAsync(string organizationId)
    {
        var id = Ids.New("key");
        var key = new ApiKey(id, organizationId, "CI key", "sk_" + id[^8..], Guid.NewGuid().ToByteArray(), ["devices:read", "events:read"],
            Time.GetUtcNow(), null, null);
        await WriteAsync(tx => tx.InsertApiKeyAsync(key));
        return key;
    }

    private Task TouchAsync(string id, DateTimeOffset at) => WriteAsync(tx => tx.TouchApiKeysAsync([(id, at)], Granularity));

    private async Task<DateTimeOffset?> LastUsedAtAsync(string organizationId, string id) =>
        (await Store.GetApiKeyAsync(organizationId, id, Token))!.LastUsedAt;
}
