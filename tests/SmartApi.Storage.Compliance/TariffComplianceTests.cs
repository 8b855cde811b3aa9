namespace SmartApi.Storage.Compliance;

/// <summary>Tariffs: read and listed with their targets within their organization, one tariff per target, replaced and deleted whole.</summary>
public abstract class TariffComplianceTests : StorageComplianceTests
{
    private Tariff NewTariff(string organizationId, string name, params string[] targets) => new(
        Ids.New("trf"), organizationId, name, "CHF", """{"periods":[{"from":"2026-01-01","pricePerKwh":0.25}]}""", targets, 1,
        Time.GetUtcNow(), Time.GetUtcNow());

    [Fact]
    public async Task A_tariff_is_read_back_with_every_field_and_its_targets_in_ordinal_order()
    {
        var organization = await CreateOrganizationAsync();
        var tariff = NewTariff(organization.Id, "Home", "tag:room:kitchen", "device:dev_b", "organization", "tag:Room:attic");
        await WriteAsync(tx => tx.InsertTariffAsync(tariff));

        var found = await Store.GetTariffAsync(organization.Id, tariff.Id, Token);
        Assert.NotNull(found);
        Assert.Equal(["device:dev_b", "organization", "tag:Room:attic", "tag:room:kitchen"], found.Targets);
        Assert.Equal(tariff with { Targets = found.Targets }, found);
        var inTransaction = await WriteAsync(tx => tx.GetTariffAsync(organization.Id, tariff.Id));
        Assert.Equal(found.Targets, inTransaction?.Targets);
        Assert.Equal(found with { Targets = [] }, inTransaction! with { Targets = [] });
    }

    [Fact]
    public async Task Tariffs_are_read_listed_and_claimed_only_within_their_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var tariffs = new List<Tariff>();
        for (var i = 0; i < 5; i++)
        {
            var tariff = NewTariff(acme.Id, $"T{i}", $"tag:n:{i}", $"tag:m:{i}");
            tariffs.Add(tariff);
            await WriteAsync(tx => tx.InsertTariffAsync(tariff));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        // The same target in another organization is another claim.
        var foreign = NewTariff(other.Id, "Foreign", "tag:n:0", "organization");
        await WriteAsync(tx => tx.InsertTariffAsync(foreign));

        Assert.Null(await Store.GetTariffAsync(other.Id, tariffs[0].Id, Token));
        var listed = await ReadAllPagesAsync(after => Store.ListTariffsAsync(acme.Id, new PageRequest(after, 2), Token), t => t.Id, 2);
        Assert.Equal(tariffs.Select(t => t.Id), listed.Select(t => t.Id));
        Assert.Equal(tariffs.Select(t => string.Join(",", t.Targets.Order(StringComparer.Ordinal))), listed.Select(t => string.Join(",", t.Targets)));

        var claims = await Store.FindTariffClaimsAsync(acme.Id, ["tag:n:0", "tag:m:3", "organization", "device:dev_x"], Token);
        Assert.Equal([("tag:m:3", tariffs[3].Id), ("tag:n:0", tariffs[0].Id)],
            claims.OrderBy(c => c.Target, StringComparer.Ordinal).Select(c => (c.Target, c.TariffId)));
        var foreignClaims = await Store.FindTariffClaimsAsync(other.Id, ["tag:n:0", "organization", "tag:m:3"], Token);
        Assert.All(foreignClaims, c => Assert.Equal(foreign.Id, c.TariffId));
        Assert.Equal(2, foreignClaims.Count);
        Assert.Empty(await Store.FindTariffClaimsAsync(acme.Id, [], Token));
        Assert.Empty((await Store.ListTariffsAsync(acme.Id, new PageRequest(tariffs[^1].Id, 10), Token)).Items);
    }

    [Fact]
    public async Task A_target_belongs_to_one_tariff_and_a_refused_insert_keeps_nothing()
    {
        var organization = await CreateOrganizationAsync();
        var first = NewTariff(organization.Id, "First", "tag:room:kitchen");
        await WriteAsync(tx => tx.InsertTariffAsync(first));

        var second = NewTariff(organization.Id, "Second", "organization", "tag:room:kitchen");
        await Assert.ThrowsAsync<DuplicateKeyException>(() => WriteAsync(tx => tx.InsertTariffAsync(second)));

        Assert.Null(await Store.GetTariffAsync(organization.Id, second.Id, Token));
        var claims = await Store.FindTariffClaimsAsync(organization.Id, ["organization", "tag:room:kitchen"], Token);
        Assert.Equal(first.Id, Assert.Single(claims).TariffId);
        Assert.Equal(claims, await WriteAsync(tx => tx.FindTariffClaimsAsync(organization.Id, ["organization", "tag:room:kitchen"])));
    }

    [Fact]
    public async Task An_update_replaces_the_fields_and_targets_and_the_claims_show_the_new_version()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var tariff = NewTariff(acme.Id, "Home", "organization", "tag:room:kitchen");
        await WriteAsync(tx => tx.InsertTariffAsync(tariff));
        Time.Advance(TimeSpan.FromMinutes(1));

        var changed = tariff with
        {
            Name = "Home 2027", Currency = "EUR", Definition = """{"periods":[]}""", Targets = ["device:dev_a"], Version = 2,
            UpdatedAt = Time.GetUtcNow(),
        };
        Assert.False(await WriteAsync(tx => tx.UpdateTariffAsync(changed with { OrganizationId = other.Id })));
        Assert.True(await WriteAsync(tx => tx.UpdateTariffAsync(changed)));

        Assert.Equal(changed, await Store.GetTariffAsync(acme.Id, tariff.Id, Token), new TariffEquality());
        var claims = await Store.FindTariffClaimsAsync(acme.Id, ["organization", "tag:room:kitchen", "device:dev_a"], Token);
        Assert.Equal(new TariffClaim("device:dev_a", tariff.Id, 2), Assert.Single(claims));

        // The released targets are free for another tariff.
        await WriteAsync(tx => tx.InsertTariffAsync(NewTariff(acme.Id, "Org", "organization")));
    }

    [Fact]
    public async Task A_delete_removes_the_tariff_and_frees_its_targets_only_in_its_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var tariff = NewTariff(acme.Id, "Home", "organization");
        await WriteAsync(tx => tx.InsertTariffAsync(tariff));

        Assert.False(await WriteAsync(tx => tx.DeleteTariffAsync(other.Id, tariff.Id)));
        Assert.NotNull(await Store.GetTariffAsync(acme.Id, tariff.Id, Token));
        Assert.True(await WriteAsync(tx => tx.DeleteTariffAsync(acme.Id, tariff.Id)));
        Assert.False(await WriteAsync(tx => tx.DeleteTariffAsync(acme.Id, tariff.Id)));

        Assert.Null(await Store.GetTariffAsync(acme.Id, tariff.Id, Token));
        Assert.Empty(await Store.FindTariffClaimsAsync(acme.Id, ["organization"], Token));
        await WriteAsync(tx => tx.InsertTariffAsync(NewTariff(acme.Id, "Again", "organization")));
    }

    [Fact]
    public async Task Deleting_a_device_drops_its_claim_and_keeps_the_tariff()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var kept = await CreateDeviceAsync(organization.Id);
        var tariff = NewTariff(organization.Id, "Plug", "device:" + device.Id, "device:" + kept.Id);
        await WriteAsync(tx => tx.InsertTariffAsync(tariff));

        Assert.True(await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id)));

        var found = await Store.GetTariffAsync(organization.Id, tariff.Id, Token);
        Assert.Equal(["device:" + kept.Id], found?.Targets);
    }

    private sealed class TariffEquality : IEqualityComparer<Tariff?>
    {
        public bool Equals(Tariff? x, Tariff? y) =>
            x is not null && y is not null && x.Targets.SequenceEqual(y.Targets) && (x with { Targets = [] }) == (y with { Targets = [] });

        public int GetHashCode(Tariff? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
