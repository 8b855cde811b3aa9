namespace SmartApi.WebConsole.Shared;

/// <summary>
/// The scopes a key can carry, in the API's order, each with what it allows (docs/security.md). The
/// server's list (Server/ApiKeys/Scopes.cs) is the owner; a console test fails when the two differ.
/// </summary>
public static class ApiKeyScopes
{
    public const string KeysManage = "keys:manage";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        ("devices:read", "Read devices, their commands and measurements."),
        ("devices:write", "Create, change, delete and switch devices."),
        ("events:read", "Read the event log, the live stream and the event catalog."),
        ("automations:read", "Read automations, their runs, deliveries and attempts."),
        ("automations:write", "Create, change, delete, test and rotate automations; retry and recover deliveries."),
        ("tariffs:read", "Read tariffs and what they apply to."),
        ("tariffs:write", "Create, change and delete tariffs and assign them to the organization, tags and devices."),
        (KeysManage, "Create, list and revoke this organization's keys, with at most its own scopes."),
        (Admin, "Everything, in every organization on this server, including the organizations themselves."),
    ];

    /// <summary>Whether <paramref name="user"/> may hand out <paramref name="scope"/>: the API's no-escalation rule (only admin grants admin).</summary>
    public static bool CanGrant(ConsoleUser user, string scope) => scope == Admin ? user.IsAdmin : user.Can(scope);
}
