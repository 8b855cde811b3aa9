using SmartApi.Server.Automations;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks;

/// <summary>
/// Encrypts the custom header values that versions before encryption stored in clear, in the
/// webhook rows and in their automations' definitions. It runs at every start, after the schema
/// migrations and before requests are served; once every value is encrypted it only reads the
/// webhooks that have headers. Each change is a compare-and-set, so a save made meanwhile by
/// another node wins (that save stored encrypted values already).
/// </summary>
internal sealed partial class CustomHeaderMigration(ISmartApiStore store, CustomHeaders headers, ILogger<CustomHeaderMigration> logger)
{
    private const int PageSize = 500;

    /// <summary>How many automations or webhooks had values in clear.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var changed = 0;
        var after = "";
        var seenAutomations = new HashSet<string>(StringComparer.Ordinal);
        while (await store.ListWebhooksWithHeadersAsync(after, PageSize, cancellationToken) is { Count: > 0 } page)
        {
            after = page[^1].Id;
            foreach (var webhook in page)
            {
                var webhookHeaders = EncryptHeadersJson(webhook.HeadersJson);
                Automation? automation = null;
                string? definition = null;
                if (seenAutomations.Add(webhook.AutomationId))
                {
                    automation = await store.GetAutomationAsync(webhook.OrganizationId, webhook.AutomationId, cancellationToken);
                    definition = automation is null ? null : EncryptDefinition(automation.DefinitionJson);
                }
                if (webhookHeaders is null && definition is null)
                {
                    continue;
                }
                var written = await store.WriteAsync(async tx =>
                    (webhookHeaders is not null && await tx.ReplaceWebhookHeadersAsync(webhook.Id, webhook.HeadersJson, webhookHeaders))
                    | (definition is not null && await tx.ReplaceAutomationDefinitionAsync(automation!.Id, automation.DefinitionJson, definition)),
                    cancellationToken);
                changed += written ? 1 : 0;
            }
        }
        if (changed > 0)
        {
            Log.Encrypted(logger, changed);
        }
        return changed;
    }

    /// <summary>The headers JSON with every clear value encrypted, or null when there is none.</summary>
    private string? EncryptHeadersJson(string json)
    {
        var stored = System.Text.Json.JsonSerializer.Deserialize(json, AutomationJsonContext.Default.DictionaryStringString);
        return stored is not null && Encrypt(stored) is { } encrypted
            ? System.Text.Json.JsonSerializer.Serialize(encrypted, AutomationJsonContext.Default.DictionaryStringString)
            : null;
    }

    private string? EncryptDefinition(string json)
    {
        var definition = AutomationDefinition.FromJson(json);
        var changed = false;
        var actions = definition.Actions.Select(action =>
        {
            if (action.Headers is { } stored && Encrypt(stored) is { } encrypted)
            {
                changed = true;
                return action with { Headers = encrypted };
            }
            return action;
        }).ToList();
        return changed ? (definition with { Actions = actions }).ToJson() : null;
    }

    private Dictionary<string, string>? Encrypt(Dictionary<string, string> stored)
    {
        if (stored.Values.All(CustomHeaders.IsProtected))
        {
            return null;
        }
        return stored.ToDictionary(h => h.Key, h => CustomHeaders.IsProtected(h.Value) ? h.Value : headers.Protect(h.Value), StringComparer.Ordinal);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.WebhookHeadersEncrypted, Level = LogLevel.Information,
            Message = "Encrypted the custom webhook header values stored in clear by an earlier version ({Count} rows)")]
        public static partial void Encrypted(ILogger logger, int count);
    }
}
