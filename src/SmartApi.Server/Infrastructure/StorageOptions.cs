using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>The <c>SmartApi:Storage</c> section: which database, and where.</summary>
internal sealed class StorageOptions
{
    public const string Section = "SmartApi:Storage";

    public string Provider { get; set; } = "sqlite";
    public string? ConnectionString { get; set; }

    /// <summary>The SQLite connection string: the configured one, or a file in the data directory.</summary>
    public string SqliteConnectionString(string dataDirectory) =>
        ConnectionString ?? $"Data Source={Path.Combine(dataDirectory, "smartapi.db")}";
}

/// <summary>
/// Checks the provider and its connection string. With PostgreSQL it also requires
/// <c>SmartApi:Webhooks:EncryptionKey</c>: that is a rule of running several nodes on one database,
/// so it is checked here, read straight from the configuration (the webhooks section has its own validator).
/// </summary>
internal sealed class StorageOptionsValidator(IConfiguration configuration) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new OptionsFailures();
        if (options.Provider is not ("sqlite" or "postgres"))
        {
            failures.Fail("Storage:Provider", $"'{options.Provider}' is not a storage provider", "Set it to 'sqlite' or 'postgres'");
        }
        else if (options.Provider == "postgres")
        {
            ValidatePostgres(options, failures);
        }
        else if (options.ConnectionString is { } sqlite)
        {
            try
            {
                _ = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(sqlite);
            }
            catch (ArgumentException)
            {
                // Not echoed: a connection string may hold a secret.
                failures.Fail("Storage:ConnectionString", "is not a valid SQLite connection string",
                    "Use the form 'Data Source=/var/lib/smartapi/smartapi.db', or remove it to use the data directory");
            }
        }
        return failures.Result;
    }

    private void ValidatePostgres(StorageOptions options, OptionsFailures failures)
    {
        const string Example = "Host=db.internal;Database=smartapi;Username=smartapi;Password=...";
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Fail("Storage:ConnectionString", "is required with SmartApi:Storage:Provider 'postgres'", $"Set it, such as '{Example}'");
        }
        else
        {
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Fail("Storage:ConnectionString", "does not name the PostgreSQL server", "Add Host=...");
                }
                if (string.IsNullOrWhiteSpace(builder.Database))
                {
                    failures.Fail("Storage:ConnectionString", "does not name the database", "Add Database=...");
                }
            }
            catch (ArgumentException ex)
            {
                // Not echoed: the string may hold a password.
                failures.Fail("Storage:ConnectionString", $"is not a valid PostgreSQL connection string ({ex.Message.Split('\'')[0].Trim()})",
                    $"Use the form '{Example}'");
            }
        }
        // Each node would otherwise make its own key file and could not read the others' secrets.
        // (The raw value is null exactly when the bound WebhookOptions.EncryptionKey would be.)
        if (configuration[Webhooks.WebhookOptions.Section + ":" + nameof(Webhooks.WebhookOptions.EncryptionKey)] is null)
        {
            failures.Fail("Webhooks:EncryptionKey", "is required with SmartApi:Storage:Provider 'postgres' (every node must encrypt webhook secrets with the same key)",
                "Set the same value on every node, generated once with: openssl rand -base64 32");
        }
    }
}
