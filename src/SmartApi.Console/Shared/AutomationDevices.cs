namespace SmartApi.WebConsole.Shared;

/// <summary>Device names for the automation pages' pickers and summaries.</summary>
public static class AutomationDevices
{
    // Enough for a picker; an id beyond it still shows, as its id.
    private const int Most = 1000;

    /// <summary>Id to name of the organization's first devices; empty for a key without devices:read.</summary>
    public static async Task<Dictionary<string, string>> LoadAsync(ConsoleApi api)
    {
        var (devices, _) = await api.TryAsync(async client => await client.Devices.ListAsync(pageSize: 200).Take(Most).ToListAsync());
        return (devices ?? []).ToDictionary(d => d.Id, d => d.Name, StringComparer.Ordinal);
    }
}
