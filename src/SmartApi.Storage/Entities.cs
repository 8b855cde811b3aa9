namespace SmartApi.Storage;

// Storage entities: what the database holds. They never go over the wire; the server maps them
// to the contracts in SmartApi.Contracts.

/// <summary>
/// An organization; <paramref name="Limits"/> holds its own limits, null where the server's defaults apply;
/// <paramref name="TimeZone"/> is the IANA zone of its local days (energy statistics and reports);
/// <paramref name="Retention"/> holds its own retention, null where the server's defaults apply.
/// </summary>
public sealed record Organization(string Id, string Name, DateTimeOffset CreatedAt, OrganizationLimitOverrides? Limits = null, string TimeZone = "UTC",
    OrganizationRetention? Retention = null);

/// <summary>
/// An organization's retention in days (ADR 045); a null member means "the server's default"
/// (<c>SmartApi:Retention</c>), and for rollups "kept forever".
/// </summary>
public sealed record OrganizationRetention(int? EventsDays = null, int? DeliveriesDays = null, int? MeasurementsDays = null, int? RollupsDays = null)
{
    public bool IsEmpty => this == Empty;

    public static OrganizationRetention Empty { get; } = new();
}

/// <summary>An organization's overrides of the server-wide limits; a null member means "the server's default".</summary>
public sealed record OrganizationLimitOverrides(
    int? RequestsPerSecond = null,
    int? RequestBurst = null,
    int? MaxDevices = null,
    int? MaxAutomations = null,
    int? MaxWebhooks = null,
    int? DeviceMessagesPerSecond = null)
{
    public bool IsEmpty => this == Empty;

    public static OrganizationLimitOverrides Empty { get; } = new();
}

/// <summary>What an organization holds, counted against its quotas.</summary>
public sealed record OrganizationUsage(long Devices, long Automations, long Webhooks);

public sealed record ApiKey(
    string Id,
    string OrganizationId,
    string Name,
    string Prefix,
    byte[] Hash,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

public sealed record Device(
    string Id,
    string OrganizationId,
    string Serial,
    string Name,
    string? Model,
    IReadOnlyDictionary<string, string> Tags,
    string PowerOnState,
    byte[] MqttPasswordHash,
    bool Online,
    DateTimeOffset? LastSeenAt,
    string Switch,
    Measurement? Latest,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One telemetry sample as stored. <see cref="TotalWh"/> is the server's own energy total.</summary>
public sealed record Measurement(
    DateTimeOffset Ts,
    double PowerW,
    double? VoltageV,
    double? CurrentA,
    double? TemperatureC,
    double TotalWh);

/// <summary>
/// What the ingestion needs to know about a device's energy between two samples: the server's total,
/// the device's last counter reading (to detect resets) and the previous sample (to integrate power
/// when a device sends no counter).
/// </summary>
/// <param name="Switch">The device's switch as its row has it, for on-time (ADR 033).</param>
public sealed record EnergyState(string OrganizationId, double TotalWh, double? LastCounterWh, Measurement? Latest, SwitchTimeline Switch);

/// <summary>
/// A device's switch as far as on-time needs it: <see cref="State"/> since <see cref="ChangedAt"/>
/// (the server's time of the state report that changed it) and <see cref="PreviousState"/> before
/// then. No change time (a device whose switch never changed since it was stored with one) means
/// <see cref="State"/> all along. States are <c>on</c>, <c>off</c> or <c>unknown</c>.
/// </summary>
public sealed record SwitchTimeline(string State, string PreviousState, DateTimeOffset? ChangedAt)
{
    public static readonly SwitchTimeline Unknown = new("unknown", "unknown", null);

    /// <summary>The state in force just after <paramref name="at"/> (a change at exactly that time has happened).</summary>
    public string StateAt(DateTimeOffset at) => ChangedAt is { } changed && at < changed ? PreviousState : State;
}

/// <summary>A sample to insert, with the energy consumed since the device's previous sample.</summary>
public sealed record MeasurementRow(string DeviceId, Measurement Sample, double DeltaWh);

public sealed record MeasurementBucket(
    DateTimeOffset Start,
    double AvgPowerW,
    double MinPowerW,
    double MaxPowerW,
    double EnergyWh,
    int Samples);

/// <summary>
/// A command to a device. <see cref="Source"/> says who issued it (<c>api</c>, <c>automation</c> or
/// <c>schedule</c>); for automations, <see cref="AutomationId"/> names the issuer and
/// <see cref="Depth"/> counts how many automations acted in the chain that led to it, so the
/// <c>device.switched</c> it causes can be traced back and automation loops cut. <see cref="BatchId"/>
/// (<c>cmb_...</c>) groups the commands one bulk switch or one tag-targeted action stored together.
/// </summary>
public sealed record Command(
    string Id,
    string OrganizationId,
    string DeviceId,
    string Action,
    string State,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    string? Error,
    string Source = "api",
    string? AutomationId = null,
    int Depth = 0,
    string? BatchId = null);

/// <summary>
/// An event as stored. <see cref="Position"/> is its place in the log, used by cursors.
/// <see cref="TraceParent"/> is the W3C context of the span that appended it (null unless tracing was on).
/// </summary>
public sealed record StoredEvent(
    long Position,
    string Id,
    string OrganizationId,
    string Type,
    string? DeviceId,
    DateTimeOffset CreatedAt,
    string DataJson,
    DateTimeOffset? ErasedAt = null,
    string? TraceParent = null);

/// <summary>
/// An event to append. <see cref="DataJson"/> is a JSON object without <c>deviceId</c> and
/// <c>sequence</c>: the store adds both, allocating the sequence in the same transaction.
/// With <see cref="TargetAutomationId"/> (test events) only that automation's webhooks get it;
/// otherwise every matching enabled automation does. <see cref="TraceParent"/> (a W3C <c>traceparent</c>,
/// set only while tracing) is stored with the event, so the runs and deliveries it causes continue its trace.
/// </summary>
public sealed record NewEvent(
    string Id,
    string OrganizationId,
    string Type,
    string? DeviceId,
    DateTimeOffset CreatedAt,
    string DataJson,
    string? TargetAutomationId = null,
    string? TraceParent = null);
