using SmartApi.Contracts;

namespace SmartApi.WebConsole.Shared;

/// <summary>
/// The events page's memory: the newest events first, at most <see cref="Capacity"/> of them, so a tab
/// left open on a busy organization stays the same size. While paused, arrivals wait in a second bounded
/// list and join the view on resume, so what is on screen holds still while someone reads it.
/// </summary>
public sealed class EventTail(int capacity)
{
    private readonly List<EventResponse> _shown = [];
    private readonly List<EventResponse> _waiting = [];

    public int Capacity { get; } = capacity;
    public bool Paused { get; private set; }
    public IReadOnlyList<EventResponse> Shown => _shown;
    public int Waiting => _waiting.Count;

    public void Add(EventResponse evt)
    {
        var into = Paused ? _waiting : _shown;
        // The stream can repeat an event after a reconnect it could not resume exactly.
        if (into.Exists(e => e.Id == evt.Id))
        {
            return;
        }
        into.Insert(0, evt);
        Trim(into);
    }

    /// <summary>Past events read when the page opens, newest first: they go below anything already shown.</summary>
    public void Seed(IReadOnlyList<EventResponse> newestFirst)
    {
        _shown.AddRange(newestFirst.Where(e => !_shown.Exists(s => s.Id == e.Id)));
        Trim(_shown);
    }

    public void Pause() => Paused = true;

    public void Resume()
    {
        Paused = false;
        _shown.InsertRange(0, _waiting.Where(w => !_shown.Exists(s => s.Id == w.Id)));
        _waiting.Clear();
        Trim(_shown);
    }

    public void Clear()
    {
        _shown.Clear();
        _waiting.Clear();
    }

    private void Trim(List<EventResponse> list)
    {
        if (list.Count > Capacity)
        {
            list.RemoveRange(Capacity, list.Count - Capacity);
        }
    }

    /// <summary>The device an event is about, when its data names one.</summary>
    public static string? DeviceId(EventResponse evt) =>
        evt.Data.ValueKind == System.Text.Json.JsonValueKind.Object && evt.Data.TryGetProperty("deviceId", out var id)
            && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetString() : null;
}
