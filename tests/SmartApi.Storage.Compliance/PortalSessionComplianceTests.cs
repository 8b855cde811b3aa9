namespace SmartApi.Storage.Compliance;

/// <summary>Portal sessions: found by token hash, read and listed within their organization, revoked once.</summary>
public abstract class PortalSessionComplianceTests : StorageComplianceTests
{
    private PortalSession NewSession(string organizationId, byte hash, params string[] automationIds) => new(
        Ids.New("ps"), organizationId, Enumerable.Repeat(hash, 32).ToArray(), automationIds, "Acme Heating", "#12AB3F", "key_1",
        Time.GetUtcNow(), Time.GetUtcNow().AddMinutes(15), null);

    [Fact]
    public async Task A_session_is_found_by_its_token_hash_with_every_field()
    {
        var organization = await CreateOrganizationAsync();
        var session = NewSession(organization.Id, 7, "aut_a", "aut_b");
        await WriteAsync(tx => tx.InsertPortalSessionAsync(session));

        var found = await Store.FindPortalSessionByHashAsync(Enumerable.Repeat((byte)7, 32).ToArray(), Token);
        Assert.NotNull(found);
        Assert.Equal(session with { AutomationIds = found.AutomationIds, TokenHash = found.TokenHash }, found);
        Assert.Equal(["aut_a", "aut_b"], found.AutomationIds);
        Assert.Equal(session.TokenHash, found.TokenHash);
        Assert.Null(await Store.FindPortalSessionByHashAsync(Enumerable.Repeat((byte)8, 32).ToArray(), Token));
    }

    [Fact]
    public async Task A_session_without_a_brand_keeps_nulls()
    {
        var organization = await CreateOrganizationAsync();
        var session = NewSession(organization.Id, 1, "aut_a") with { BrandName = null, BrandAccentColor = null };
        await WriteAsync(tx => tx.InsertPortalSessionAsync(session));

        var found = await Store.GetPortalSessionAsync(organization.Id, session.Id, Token);
        Assert.NotNull(found);
        Assert.Null(found.BrandName);
        Assert.Null(found.BrandAccentColor);
    }

    [Fact]
    public async Task Sessions_are_read_and_listed_only_within_their_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var sessions = new List<PortalSession>();
        for (byte i = 1; i <= 5; i++)
        {
            var session = NewSession(acme.Id, i, "aut_a");
            sessions.Add(session);
            await WriteAsync(tx => tx.InsertPortalSessionAsync(session));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        await WriteAsync(tx => tx.InsertPortalSessionAsync(NewSession(other.Id, 99, "aut_z")));

        Assert.Null(await Store.GetPortalSessionAsync(other.Id, sessions[0].Id, Token));
        var listed = await ReadAllPagesAsync(after => Store.ListPortalSessionsAsync(acme.Id, new PageRequest(after, 2), Token), s => s.Id, 2);
        Assert.Equal(sessions.Select(s => s.Id), listed.Select(s => s.Id));
        var otherListed = await Store.ListPortalSessionsAsync(other.Id, new PageRequest(null, 50), Token);
        Assert.Equal(["aut_z"], Assert.Single(otherListed.Items).AutomationIds);
    }

    [Fact]
    public async Task A_session_is_revoked_once_and_only_by_its_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var session = NewSession(acme.Id, 3, "aut_a");
        await WriteAsync(tx => tx.InsertPortalSessionAsync(session));

        Assert.False(await WriteAsync(tx => tx.RevokePortalSessionAsync(other.Id, session.Id, Time.GetUtcNow())));
        Assert.True(await WriteAsync(tx => tx.RevokePortalSessionAsync(acme.Id, session.Id, Time.GetUtcNow())));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await WriteAsync(tx => tx.RevokePortalSessionAsync(acme.Id, session.Id, Time.GetUtcNow())));

        var found = await Store.FindPortalSessionByHashAsync(session.TokenHash, Token);
        Assert.Equal(session.CreatedAt, found?.RevokedAt);
    }

    [Fact]
    public async Task Pruning_deletes_ended_sessions_of_every_organization_and_keeps_live_ones()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var revoked = NewSession(acme.Id, 11, "aut_a");
        var expired = NewSession(other.Id, 12, "aut_b") with { ExpiresAt = Time.GetUtcNow().AddMinutes(5) };
        await WriteAsync(tx => tx.InsertPortalSessionAsync(revoked));
        await WriteAsync(tx => tx.InsertPortalSessionAsync(expired));
        await WriteAsync(tx => tx.RevokePortalSessionAsync(acme.Id, revoked.Id, Time.GetUtcNow()));
        Time.Advance(TimeSpan.FromMinutes(10));
        var live = NewSession(acme.Id, 13, "aut_a");
        await WriteAsync(tx => tx.InsertPortalSessionAsync(live));
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, await WriteAsync(tx => tx.PrunePortalSessionsAsync(Time.GetUtcNow(), 1)));
        Assert.Equal(1, await WriteAsync(tx => tx.PrunePortalSessionsAsync(Time.GetUtcNow(), 10)));
        Assert.Equal(0, await WriteAsync(tx => tx.PrunePortalSessionsAsync(Time.GetUtcNow(), 10)));
        Assert.Null(await Store.FindPortalSessionByHashAsync(revoked.TokenHash, Token));
        Assert.Null(await Store.FindPortalSessionByHashAsync(expired.TokenHash, Token));
        Assert.NotNull(await Store.FindPortalSessionByHashAsync(live.TokenHash, Token));
    }
}
