namespace SmartApi.Cli;

/// <summary>The exit codes of <c>smart</c>; documented in README.md, stable for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The check failed (<c>webhooks verify</c>: the signature is not valid), or an unexpected error.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>Configuration: no key, a key file readable by others, an unknown profile.</summary>
    public const int Configuration = 3;

    /// <summary>The server refused the key (401) or the key lacks a scope (403).</summary>
    public const int Unauthorized = 4;

    /// <summary>No such resource (404).</summary>
    public const int NotFound = 5;

    /// <summary>The server rejected the request (another 4xx: validation, conflict).</summary>
    public const int Rejected = 6;

    /// <summary>The server could not be reached, or did not answer in time.</summary>
    public const int Unreachable = 7;

    /// <summary>The server failed (5xx).</summary>
    public const int ServerError = 8;
}

/// <summary>An error the CLI explains itself, with the exit code to end with.</summary>
internal sealed class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
