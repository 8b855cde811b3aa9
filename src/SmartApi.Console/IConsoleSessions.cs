namespace SmartApi.WebConsole;

/// <summary>The server side of console sessions that a component needs (the host implements it).</summary>
public interface IConsoleSessions
{
    /// <summary>Revokes the session of <paramref name="token"/> on every node (the row) and on this one at once (its cache).</summary>
    Task SignOutAsync(string token);
}
