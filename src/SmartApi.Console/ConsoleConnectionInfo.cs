namespace SmartApi.WebConsole;

/// <summary>
/// What a new device needs besides its credentials: the MQTT broker. <see cref="Host"/> is null for
/// the embedded broker (the console then shows the host the browser reached the server at).
/// </summary>
public sealed record ConsoleConnectionInfo(string? Host, int Port, int? TlsPort);
