namespace SmartApi.Storage;

/// <summary>Organizations (tenants) and their API keys.</summary>
public interface IOrganizationStore
{
    Task<Organization?> GetOrganizationAsync(string id, CancellationToken cancellationToken = default);
    Task<PageResult<Organization>> ListOrganizationsAsync(PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>How many devices, automations and webhooks (not removed ones) the organization holds.</summary>
    Task<OrganizationUsage> GetOrganizationUsageAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>The organizations that set any retention of their own (few; the retention sweep reads them each run).</summary>
    Task<IReadOnlyList<(string Id, OrganizationRetention Retention)>> ListOrganizationRetentionsAsync(CancellationToken cancellationToken = default);

    Task<bool> AnyApiKeyAsync(CancellationToken cancellationToken = default);
    Task<ApiKey?> FindApiKeyByHashAsync(byte[] hash, CancellationToken cancellationToken = default);
    Task<ApiKey?> GetApiKeyAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<ApiKey>> ListApiKeysAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);
}

/// <summary>Changes to organizations and API keys inside a write transaction.</summary>
public interface IOrganizationTransaction
{
    ValueTask InsertOrganizationAsync(Organization organization);
    /// <summary>False when there is no such organization.</summary>
    ValueTask<bool> RenameOrganizationAsync(string id, string name);
    /// <summary>Replaces the organization's limits (null or empty: the server's defaults); false when there is no such organization.</summary>
    ValueTask<bool> SetOrganizationLimitsAsync(string id, OrganizationLimitOverrides? limits);
    /// <summary>Sets the organization's IANA time zone (validated by the caller); false when there is no such organization.</summary>
    ValueTask<bool> SetOrganizationTimeZoneAsync(string id, string timeZone);
    /// <summary>Replaces the organization's retention (null or empty: the server's defaults); false when there is no such organization.</summary>
    ValueTask<bool> SetOrganizationRetentionAsync(string id, OrganizationRetention? retention);

    ValueTask InsertApiKeyAsync(ApiKey key);
    ValueTask<bool> RevokeApiKeyAsync(string organizationId, string id, DateTimeOffset at);

    /// <summary>Records key use; a key's stored value only moves forward, and only by at least <paramref name="granularity"/>.</summary>
    ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity);
}
