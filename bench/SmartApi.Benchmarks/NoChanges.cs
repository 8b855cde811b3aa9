using System.Collections.ObjectModel;
using SmartApi.Webhooks.Events;

namespace SmartApi.Benchmarks;

/// <summary>The <c>changes</c> of a bench device event that changes nothing the catalog tracks.</summary>
internal static class NoChanges
{
    public static readonly IReadOnlyDictionary<string, WebhookFieldChange> Value = ReadOnlyDictionary<string, WebhookFieldChange>.Empty;
}
