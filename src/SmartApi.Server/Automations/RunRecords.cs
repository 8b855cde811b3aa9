namespace SmartApi.Server.Automations;

// The server's JSON in automation_runs.trigger_json and result_json.

/// <summary>What fired a run, besides its type and event: the schedule occurrence, or the power crossing.</summary>
internal sealed record RunTriggerInfo(DateTimeOffset? ScheduledFor = null, int? Missed = null, string? DeviceId = null, double? Value = null);

/// <summary>What a run did: commands stored, the event it emitted (schedules), errors, and its depth in a chain of automations.</summary>
internal sealed record RunResult(IReadOnlyList<string> CommandIds, IReadOnlyList<string> Errors, int Depth, string? EmittedEventId = null, string? DeviceId = null);
