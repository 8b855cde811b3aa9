using Microsoft.Extensions.Options;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Organizations;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Runs before the server accepts requests (a lifecycle "starting" hook): applies migrations and
/// encrypts custom webhook header values stored in clear, then creates the admin key on first
/// start, from <c>SmartApi:BootstrapApiKey</c> or generated and printed once to the console (not to
/// the logs, which are often shipped elsewhere).
/// </summary>
internal sealed partial class StorageInitializer(
    ISmartApiStore store,
    OrganizationService organizations,
    ApiKeyService keys,
    CustomHeaderMigration customHeaders,
    IOptions<SmartApiOptions> options,
    IOptions<StorageOptions> storage,
    IOptions<ApiKeyOptions> apiKeys,
    ILogger<StorageInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        SecureDataFiles();
        try
        {
            await store.MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The usual first-start mistake with PostgreSQL (host, password, database): say which
            // setting to look at before the host stops with the exception.
            Log.Unavailable(logger, storage.Value.Provider, ex.Message);
            throw;
        }
        Log.Migrated(logger);
        // Values stored in clear by earlier versions are encrypted before anything reads them.
        await customHeaders.RunAsync(cancellationToken);
        if (await store.AnyApiKeyAsync(cancellationToken))
        {
            return;
        }
        // The organization and its key in one transaction: a crash in between must not leave an
        // organization without a key (the next start would create a second "default").
        var organization = organizations.New("default");
        var configured = apiKeys.Value.BootstrapApiKey;
        var (key, secret) = keys.New(organization.Id, "bootstrap admin", [Scopes.Admin], configured);
        try
        {
            await store.WriteAsync(async tx =>
            {
                await tx.InsertOrganizationAsync(organization);
                await tx.InsertApiKeyAsync(key);
                return true;
            }, cancellationToken);
        }
        catch (DuplicateKeyException)
        {
            // Another node sharing the database created the same configured key first.
            return;
        }
        if (configured is null)
        {
            Console.WriteLine($"""

                Smart API: created the admin API key (shown once, store it now):

                    {secret}

                """);
            Log.BootstrapGenerated(logger, key.Id, key.Prefix);
        }
        else
        {
            Log.BootstrapCreated(logger, key.Id, key.Prefix);
        }
    }

    /// <summary>
    /// New files are created owner-only (<see cref="OwnerOnlyFiles"/>); files an older version or
    /// a careless copy left readable by others are tightened here, before anything opens them, and
    /// directories open to others are reported (they may be shared on purpose, so they stay as they are).
    /// </summary>
    private void SecureDataFiles()
    {
        var settings = options.Value;
        var files = new List<string> { Path.Combine(settings.DataDirectory, Webhooks.SecretProtector.KeyFileName) };
        var directories = new List<string> { settings.DataDirectory };
        if (storage.Value.Provider != "postgres"
            && new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(storage.Value.SqliteConnectionString(settings.DataDirectory)).DataSource is { Length: > 0 } source
            && !source.StartsWith(':'))
        {
            var database = Path.GetFullPath(source);
            files.AddRange([database, database + "-wal", database + "-shm", database + "-journal"]);
            directories.Add(Path.GetDirectoryName(database)!);
        }
        foreach (var file in files)
        {
            if (OwnerOnlyFiles.Tighten(file))
            {
                Log.FileTightened(logger, file);
            }
        }
        foreach (var directory in directories.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            if (OwnerOnlyFiles.IsOpenToOthers(directory))
            {
                Log.DirectoryOpen(logger, directory);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.DataFileTightened, Level = LogLevel.Warning,
            Message = "{Path} was readable by other users; its mode is now owner-only (0600)")]
        public static partial void FileTightened(ILogger logger, string path);

        [LoggerMessage(EventId = LogEvents.DataDirectoryOpen, Level = LogLevel.Warning,
            Message = "The data directory {Path} is open to other users; unless that is on purpose, run: chmod 700 {Path}")]
        public static partial void DirectoryOpen(ILogger logger, string path);

        [LoggerMessage(EventId = LogEvents.StorageMigrated, Level = LogLevel.Information, Message = "Storage schema is up to date")]
        public static partial void Migrated(ILogger logger);

        [LoggerMessage(EventId = LogEvents.StorageUnavailable, Level = LogLevel.Critical,
            Message = "Could not open or migrate the {Provider} storage: {Reason}. Check SmartApi:Storage:ConnectionString and that the database server is reachable")]
        public static partial void Unavailable(ILogger logger, string provider, string reason);

        [LoggerMessage(EventId = LogEvents.BootstrapKeyCreated, Level = LogLevel.Information, Message = "Created the admin API key {KeyId} ({Prefix}...) from SmartApi:BootstrapApiKey")]
        public static partial void BootstrapCreated(ILogger logger, string keyId, string prefix);

        [LoggerMessage(EventId = LogEvents.BootstrapKeyGenerated, Level = LogLevel.Warning, Message = "Generated the admin API key {KeyId} ({Prefix}...); its secret was printed to the console once")]
        public static partial void BootstrapGenerated(ILogger logger, string keyId, string prefix);
    }
}
