using System.Text.Json;

namespace SmartApi.Storage.Relational;

// Dapper maps snake_case columns onto these (MatchNamesWithUnderscores); each knows its entity.

internal static class Ms
{
    public static DateTimeOffset ToTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    public static DateTimeOffset? ToTime(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
    public static long Of(DateTimeOffset time) => time.ToUnixTimeMilliseconds();
    public static long? Of(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();
}

internal sealed class OrganizationRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public long CreatedAt { get; set; }
    public int? LimitRequestsPerSecond { get; set; }
    public int? LimitRequestBurst { get; set; }
    public int? LimitMaxDevices { get; set; }
    public int? LimitMaxAutomations { get; set; }
    public int? LimitMaxWebhooks { get; set; }
    public int? LimitDeviceMessagesPerSecond { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public int? RetentionEventsDays { get; set; }
    public int? RetentionDeliveriesDays { get; set; }
    public int? RetentionMeasurementsDays { get; set; }
    public int? RetentionRollupsDays { get; set; }

    public OrganizationRetention Retention => new(RetentionEventsDays, RetentionDeliveriesDays, RetentionMeasurementsDays, RetentionRollupsDays);

    public Organization ToEntity()
    {
        var limits = new OrganizationLimitOverrides(LimitRequestsPerSecond, LimitRequestBurst, LimitMaxDevices, LimitMaxAutomations,
            LimitMaxWebhooks, LimitDeviceMessagesPerSecond);
        var retention = Retention;
        return new(Id, Name, Ms.ToTime(CreatedAt), limits.IsEmpty ? null : limits, TimeZone, retention.IsEmpty ? null : retention);
    }

    /// <summary>The parameters of <c>SetOrganizationRetention</c>.</summary>
    public static object RetentionParameters(string id, OrganizationRetention? retention) => new
    {
        id,
        events = retention?.EventsDays,
        deliveries = retention?.DeliveriesDays,
        measurements = retention?.MeasurementsDays,
        rollups = retention?.RollupsDays,
    };

    /// <summary>The parameters of <c>SetOrganizationLimits</c>.</summary>
    public static object LimitParameters(string id, OrganizationLimitOverrides? limits) => new
    {
        id,
        rps = limits?.RequestsPerSecond,
        burst = limits?.RequestBurst,
        devices = limits?.MaxDevices,
        automations = limits?.MaxAutomations,
        webhooks = limits?.MaxWebhooks,
        messages = limits?.DeviceMessagesPerSecond,
    };
}

internal sealed class OrganizationUsageRow
{
    public long Devices { get; set; }
    public long Automations { get; set; }
    public long Webhooks { get; set; }

    public OrganizationUsage ToEntity() => new(Devices, Automations, Webhooks);
}

internal sealed class ApiKeyRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Prefix { get; set; } = "";
    public byte[] Hash { get; set; } = [];
    public string Scopes { get; set; } = "[]";
    public long CreatedAt { get; set; }
    public long? LastUsedAt { get; set; }
    public long? RevokedAt { get; set; }

    public ApiKey ToEntity() => new(
        Id, OrganizationId, Name, Prefix, Hash,
        JsonSerializer.Deserialize(Scopes, StorageJsonContext.Default.StringArray) ?? [],
        Ms.ToTime(CreatedAt), Ms.ToTime(LastUsedAt), Ms.ToTime(RevokedAt));
}

internal sealed class DeviceRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Serial { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Model { get; set; }
    public string Tags { get; set; } = "{}";
    public string PowerOnState { get; set; } = "";
    public byte[] MqttPasswordHash { get; set; } = [];
    public bool Online { get; set; }
    public long? LastSeenAt { get; set; }
    public string Switch { get; set; } = "";
    public double TotalWh { get; set; }
    public long? LatestTs { get; set; }
    public double? LatestPowerW { get; set; }
    public double? LatestVoltageV { get; set; }
    public double? LatestCurrentA { get; set; }
    public double? LatestTemperatureC { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    public Device ToEntity() => new(
        Id, OrganizationId, Serial, Name, Model,
        Tags == "{}" ? EmptyTags : JsonSerializer.Deserialize(Tags, StorageJsonContext.Default.DictionaryStringString) ?? [],
        PowerOnState, MqttPasswordHash, Online, Ms.ToTime(LastSeenAt), Switch,
        LatestTs is { } ts ? new Measurement(Ms.ToTime(ts), LatestPowerW ?? 0, LatestVoltageV, LatestCurrentA, LatestTemperatureC, TotalWh) : null,
        Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt));

    // Most devices have no tags: no JSON parse for them on every read.
    private static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>();

    public static string TagsJson(IReadOnlyDictionary<string, string> tags) =>
        tags.Count == 0 ? "{}" : JsonSerializer.Serialize(tags, StorageJsonContext.Default.IReadOnlyDictionaryStringString);

    public static object Parameters(Device d) => new
    {
        d.Id,
        d.OrganizationId,
        d.Serial,
        d.Name,
        d.Model,
        Tags = TagsJson(d.Tags),
        d.PowerOnState,
        d.MqttPasswordHash,
        d.Online,
        LastSeenAt = Ms.Of(d.LastSeenAt),
        d.Switch,
        CreatedAt = Ms.Of(d.CreatedAt),
        UpdatedAt = Ms.Of(d.UpdatedAt),
    };
}

internal sealed class EnergyStateRow
{
    public string OrganizationId { get; set; } = "";
    public double TotalWh { get; set; }
    public double? LastCounterWh { get; set; }
    public long? LatestTs { get; set; }
    public double? LatestPowerW { get; set; }
    public double? LatestVoltageV { get; set; }
    public double? LatestCurrentA { get; set; }
    public double? LatestTemperatureC { get; set; }
    public string Switch { get; set; } = "unknown";
    public string PreviousSwitch { get; set; } = "unknown";
    public long? SwitchChangedAt { get; set; }

    public EnergyState ToEntity() => new(
        OrganizationId, TotalWh, LastCounterWh,
        LatestTs is { } ts ? new Measurement(Ms.ToTime(ts), LatestPowerW ?? 0, LatestVoltageV, LatestCurrentA, LatestTemperatureC, TotalWh) : null,
        new SwitchTimeline(Switch, PreviousSwitch, Ms.ToTime(SwitchChangedAt)));
}

internal sealed class EventRow
{
    public long Position { get; set; }
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Type { get; set; } = "";
    public string? DeviceId { get; set; }
    public long CreatedAt { get; set; }
    public string Data { get; set; } = "{}";
    public long? ErasedAt { get; set; }

    public string? TraceParent { get; set; }

    public StoredEvent ToEntity() => new(Position, Id, OrganizationId, Type, DeviceId, Ms.ToTime(CreatedAt), Data, Ms.ToTime(ErasedAt), TraceParent);
}

internal sealed class CommandRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string DeviceId { get; set; } = "";
    public string Action { get; set; } = "";
    public string State { get; set; } = "";
    public string Status { get; set; } = "";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
    public long ExpiresAt { get; set; }
    public string? Error { get; set; }
    public string Source { get; set; } = "";
    public string? AutomationId { get; set; }
    public long Depth { get; set; }
    public string? BatchId { get; set; }

    public Command ToEntity() => new(
        Id, OrganizationId, DeviceId, Action, State, Status,
        Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt), Ms.ToTime(ExpiresAt), Error, Source, AutomationId, (int)Depth, BatchId);
}

internal sealed class MeasurementRowData
{
    public long Ts { get; set; }
    public double PowerW { get; set; }
    public double? VoltageV { get; set; }
    public double? CurrentA { get; set; }
    public double? TemperatureC { get; set; }
    public double TotalWh { get; set; }

    public Measurement ToEntity() => new(Ms.ToTime(Ts), PowerW, VoltageV, CurrentA, TemperatureC, TotalWh);
}

internal sealed class BucketRow
{
    public long Start { get; set; }
    public double AvgPowerW { get; set; }
    public double MinPowerW { get; set; }
    public double MaxPowerW { get; set; }
    public double EnergyWh { get; set; }
    public long Samples { get; set; }

    public MeasurementBucket ToEntity() => new(Ms.ToTime(Start), AvgPowerW, MinPowerW, MaxPowerW, EnergyWh, (int)Samples);
}

internal sealed class AutomationRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Enabled { get; set; }
    public string DefinitionJson { get; set; } = "{}";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    public Automation ToEntity() => new(Id, OrganizationId, Name, Enabled, DefinitionJson, Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt));
}

internal sealed class WebhookRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string AutomationId { get; set; } = "";
    public long ActionIndex { get; set; }
    public string Url { get; set; } = "";
    public string HeadersJson { get; set; } = "{}";
    public bool Ordered { get; set; }
    public bool StandardWebhooks { get; set; }
    public string Status { get; set; } = "";
    public string? DisabledReason { get; set; }
    public long? FailingSince { get; set; }
    public long CreatedAt { get; set; }

    public Webhook ToEntity() => new(Id, OrganizationId, AutomationId, (int)ActionIndex, Url, HeadersJson, Ordered, StandardWebhooks,
        Status, DisabledReason, Ms.ToTime(FailingSince), Ms.ToTime(CreatedAt));
}

internal sealed class WebhookCircuitRow
{
    public string WebhookId { get; set; } = "";
    public double? RatePerSecond { get; set; }
    public long? RateBurst { get; set; }
    public long FailureThreshold { get; set; }
    public long ProbeInterval { get; set; }
    public string State { get; set; } = "";
    public long FailureStreak { get; set; }
    public long? NextProbeAt { get; set; }
    public long? ChangedAt { get; set; }

    public WebhookCircuit ToEntity() => new(WebhookId,
        new WebhookLimits(RatePerSecond, (int?)RateBurst, (int)FailureThreshold, TimeSpan.FromMilliseconds(ProbeInterval)),
        State, (int)FailureStreak, Ms.ToTime(NextProbeAt), Ms.ToTime(ChangedAt));
}

internal sealed class SecretRow
{
    public string Id { get; set; } = "";
    public string AutomationId { get; set; } = "";
    public string Ciphertext { get; set; } = "";
    public long CreatedAt { get; set; }
    public long? ExpiresAt { get; set; }

    public AutomationSecret ToEntity() => new(Id, AutomationId, Ciphertext, Ms.ToTime(CreatedAt), Ms.ToTime(ExpiresAt));
}

internal sealed class MatchRow
{
    public string Id { get; set; } = "";
    public string AutomationId { get; set; } = "";
    public bool Ordered { get; set; }
}

internal sealed class DeliveryRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string AutomationId { get; set; } = "";
    public string WebhookId { get; set; } = "";
    public string EventId { get; set; } = "";
    public string EventType { get; set; } = "";
    public string? DeviceId { get; set; }
    public string Status { get; set; } = "";
    public long Attempts { get; set; }
    public long NextAttemptAt { get; set; }
    public long? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
    public long? ErasedAt { get; set; }
    public string? HeldReason { get; set; }

    public Delivery ToEntity() => new(Id, OrganizationId, AutomationId, WebhookId, EventId, EventType, DeviceId, Status, (int)Attempts,
        Ms.ToTime(NextAttemptAt), (int?)LastStatusCode, LastError, Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt), Ms.ToTime(ErasedAt), HeldReason);
}

internal sealed class AttemptRow
{
    public string DeliveryId { get; set; } = "";
    public long Number { get; set; }
    public long StartedAt { get; set; }
    public long? StatusCode { get; set; }
    public long DurationMs { get; set; }
    public string? Error { get; set; }
    public string? ResponseBody { get; set; }
    public string? RequestHeadersJson { get; set; }

    public DeliveryAttempt ToEntity() =>
        new(DeliveryId, (int)Number, Ms.ToTime(StartedAt), (int?)StatusCode, (int)DurationMs, Error, ResponseBody, RequestHeadersJson);
}

internal sealed class DeviceRefRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
}

internal sealed class DeviceEnergyRow
{
    public string DeviceId { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public double EnergyWh { get; set; }
}

internal sealed class IdempotencyRow
{
    public string OrganizationId { get; set; } = "";
    public string ApiKeyId { get; set; } = "";
    public string Key { get; set; } = "";
    public byte[] RequestHash { get; set; } = [];
    public long? Status { get; set; }
    public string? HeadersJson { get; set; }
    public byte[]? Body { get; set; }
    public long CreatedAt { get; set; }

    public IdempotencyRecord ToEntity() => new(OrganizationId, ApiKeyId, Key, RequestHash, (int?)Status, HeadersJson, Body, Ms.ToTime(CreatedAt));
}
