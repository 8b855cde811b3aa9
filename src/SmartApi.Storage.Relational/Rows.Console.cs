namespace SmartApi.Storage.Relational;

internal sealed class ConsoleSessionRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string ApiKeyId { get; set; } = "";
    public byte[] TokenHash { get; set; } = [];
    public long CreatedAt { get; set; }
    public long LastSeenAt { get; set; }
    public long ExpiresAt { get; set; }
    public long IdleTimeoutMs { get; set; }
    public long? RevokedAt { get; set; }

    public ConsoleSession ToEntity() => new(Id, OrganizationId, ApiKeyId, TokenHash, Ms.ToTime(CreatedAt), Ms.ToTime(LastSeenAt),
        Ms.ToTime(ExpiresAt), TimeSpan.FromMilliseconds(IdleTimeoutMs), Ms.ToTime(RevokedAt));
}

internal sealed class DataProtectionKeyRow
{
    public string FriendlyName { get; set; } = "";
    public string Xml { get; set; } = "";
    public long CreatedAt { get; set; }

    public DataProtectionKeyRecord ToEntity() => new(FriendlyName, Xml, Ms.ToTime(CreatedAt));
}
