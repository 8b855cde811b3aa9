namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string UpsertRule =
        "INSERT INTO automation_rules (automation_id, organization_id, kind, next_fire_at) VALUES (@automation, @org, @kind, @next) " +
        "ON CONFLICT (automation_id) DO UPDATE SET kind = excluded.kind, next_fire_at = excluded.next_fire_at";
    public const string DeleteRule = "DELETE FROM automation_rules WHERE automation_id = @automation";
    public const string DeleteAutomationPowerStates = "DELETE FROM power_trigger_states WHERE automation_id = @automation";
    protected const string RuleColumns = "automation_id, organization_id, kind, next_fire_at, last_run_at";
    public const string GetRule = "SELECT " + RuleColumns + " FROM automation_rules WHERE automation_id = @automation";
    public const string ClaimSchedule =
        "UPDATE automation_rules SET next_fire_at = @next WHERE automation_id = @automation AND next_fire_at = @expected";
    public const string ClaimCooldown =
        "UPDATE automation_rules SET last_run_at = @at WHERE automation_id = @automation AND (last_run_at IS NULL OR last_run_at <= @at - @cooldown)";
    internal const string RunColumns =
        "id, organization_id, automation_id, status, trigger_type, event_id, trigger_json, triggered_at, reason, result_json, created_at, finished_at";
    public const string InsertRun =
        "INSERT INTO automation_runs (id, organization_id, automation_id, status, trigger_type, event_id, trigger_json, triggered_at, reason, result_json, created_at, finished_at) " +
        "VALUES (@id, @org, @automation, @status, @triggerType, @event, @trigger, @triggeredAt, @reason, @result, @createdAt, @finishedAt)";
    public const string CompleteRun =
        "UPDATE automation_runs SET status = @status, reason = @reason, result_json = @result, finished_at = @at, lease_owner = NULL, lease_expires_at = NULL " +
        "WHERE id = @id AND status = 'pending' AND lease_owner = @owner";
    public const string ListRuns =
        "SELECT " + RunColumns + " FROM automation_runs WHERE organization_id = @org AND automation_id = @automation AND id < @before ORDER BY id DESC LIMIT @limit";
    public const string GetEventForDelivery = "SELECT position, type, device_id FROM events WHERE organization_id = @org AND id = @id";
    protected const string PowerColumns = "automation_id, device_id, organization_id, phase, since, due_at";
    public const string ListPowerStates = "SELECT " + PowerColumns + " FROM power_trigger_states WHERE device_id = @device";
    public const string UpsertPowerState =
        "INSERT INTO power_trigger_states (automation_id, device_id, organization_id, phase, since, due_at) VALUES (@automation, @device, @org, @phase, @since, @due) " +
        "ON CONFLICT (automation_id, device_id) DO UPDATE SET phase = excluded.phase, since = excluded.since, due_at = excluded.due_at";
    public const string DeletePowerState = "DELETE FROM power_trigger_states WHERE automation_id = @automation AND device_id = @device";
    public const string FirePowerState =
        "UPDATE power_trigger_states SET phase = 'fired', due_at = NULL WHERE automation_id = @automation AND device_id = @device AND phase = 'pending' AND since = @since";
    public const string ListDuePowerStates =
        "SELECT " + PowerColumns + " FROM power_trigger_states WHERE phase = 'pending' AND due_at <= @now ORDER BY due_at LIMIT @limit";
    protected const string ScheduledCommandColumns = "id, organization_id, device_id, state, source, automation_id, depth, due_at";
    public const string InsertScheduledCommand =
        "INSERT INTO scheduled_commands (" + ScheduledCommandColumns + ") VALUES (@Id, @OrganizationId, @DeviceId, @State, @Source, @AutomationId, @Depth, @DueAt)";
    public const string TakeScheduledCommand = "DELETE FROM scheduled_commands WHERE id = @id";
    public const string ListDueScheduledCommands =
        "SELECT " + ScheduledCommandColumns + " FROM scheduled_commands WHERE due_at <= @now ORDER BY due_at, id LIMIT @limit";
}
