using System.Net;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>The <c>SmartApi</c> configuration section; key names are part of the public contract (SPEC).</summary>
internal sealed class SmartApiOptions
{
    public const string Section = "SmartApi";

    public string DataDirectory { get; set; } = "./data";
    public string? BootstrapApiKey { get; set; }
    public StorageOptions Storage { get; set; } = new();
    public MqttOptions Mqtt { get; set; } = new();
    public WebhookOptions Webhooks { get; set; } = new();
    public HttpOptions Http { get; set; } = new();
    public CommandOptions Commands { get; set; } = new();
    public RetentionOptions Retention { get; set; } = new();
    public EventOptions Events { get; set; } = new();
    public LimitOptions Limits { get; set; } = new();

    internal sealed class StorageOptions
    {
        public string Provider { get; set; } = "sqlite";
        public string? ConnectionString { get; set; }
    }

    internal sealed class MqttOptions
    {
        public int Port { get; set; } = 1883;
        public string? ExternalBroker { get; set; }

        /// <summary>Address the embedded broker listens on (all interfaces by default).</summary>
        public string BindAddress { get; set; } = "0.0.0.0";

        /// <summary>Port of the embedded broker's TLS listener; 0 (default) means no TLS listener.</summary>
        public int TlsPort { get; set; }

        /// <summary>PKCS#12 (.pfx) certificate of the TLS listener.</summary>
        public string? CertificatePath { get; set; }
        public string? CertificatePassword { get; set; }

        /// <summary>How long a device may stay away before it is reported offline; a reconnect within it emits nothing.</summary>
        public TimeSpan OfflineGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>External broker mode: the server's own MQTT credentials and client id prefix.</summary>
        public string? Username { get; set; }
        public string? Password { get; set; }
        public string ClientIdPrefix { get; set; } = "smartapi-";

        /// <summary>External broker mode: the shared-subscription group the server nodes split the devices' messages in.</summary>
        public string SharedGroup { get; set; } = "smartapi";

        /// <summary>How long a device's credentials are cached after a lookup.</summary>
        public TimeSpan CredentialCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

        /// <summary>
        /// Largest first packet (the CONNECT, fixed header included) read from a connection that has
        /// not authenticated. A device's CONNECT is about 330 bytes (serial, password, a will on
        /// <c>status</c>); a larger announced length closes the connection before its body is read.
        /// </summary>
        public int MaxConnectPacketSize { get; set; } = DefaultMaxConnectPacketSize;

        /// <summary>Largest packet of an authenticated device: the 16 KiB payload limit plus 1 KiB for topic, packet id and properties.</summary>
        public int MaxPacketSize { get; set; } = DefaultMaxPacketSize;

        /// <summary>How long a new connection has to finish its TLS handshake and send its CONNECT before it is closed.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Messages one device may publish per second, on average (the refill of its token bucket).</summary>
        public double MessageRate { get; set; } = 200;

        /// <summary>Messages one device may publish at once above <see cref="MessageRate"/> (the size of its token bucket).</summary>
        public int MessageBurst { get; set; } = 400;

        public const int DefaultMaxConnectPacketSize = 2048;
        public const int DefaultMaxPacketSize = 16 * 1024 + 1024;

        /// <summary>The largest <see cref="MaxPacketSize"/> accepted: payloads over 16 KiB are refused anyway, and the TCP listener buffers at most 1 MB of a connection.</summary>
        public const int MaxPacketSizeLimit = 256 * 1024;
    }

    internal sealed class WebhookOptions
    {
        public bool AllowPrivateNetworks { get; set; }
        public List<string> AllowedNetworks { get; set; } = [];
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
        public List<TimeSpan>? RetrySchedule { get; set; }

        /// <summary>Base64 of 32 bytes encrypting signing secrets at rest; default: a key file in the data directory.</summary>
        public string? EncryptionKey { get; set; }

        /// <summary>How long a rotated-out secret keeps signing.</summary>
        public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

        /// <summary>A webhook failing without a success for this long is disabled.</summary>
        public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

        /// <summary>Most requests in flight to one destination host.</summary>
        public int MaxConcurrencyPerHost { get; set; } = 32;

        /// <summary>The SPEC's default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 h), each with +-20 % jitter.</summary>
        public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
        [
            TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
        ];

        public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { Count: > 0 } schedule ? schedule : DefaultRetrySchedule;
    }

    internal sealed class HttpOptions
    {
        /// <summary>Largest request body accepted; larger bodies answer 413.</summary>
        public long MaxRequestBodySize { get; set; } = 1024 * 1024;
    }

    internal sealed class CommandOptions
    {
        /// <summary>How long a command waits for delivery to its device before it expires.</summary>
        public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);
    }

    internal sealed class RetentionOptions
    {
        /// <summary>Events, deliveries and attempts older than this are deleted.</summary>
        public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

        /// <summary>Measurements older than this are deleted (PostgreSQL drops whole daily partitions).</summary>
        public TimeSpan MeasurementsMaxAge { get; set; } = TimeSpan.FromDays(365);

        /// <summary>How often retention runs.</summary>
        public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);
    }

    internal sealed class EventOptions
    {
        /// <summary>How often an idle live stream sends a comment line, so proxies and clients see it alive.</summary>
        public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>How often a stream reads the log without a wake-up: catches events written by other nodes.</summary>
        public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>A stream whose client has not taken its data within this time is disconnected.</summary>
        public TimeSpan StreamWriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Live streams open at once per organization; more answer 429.</summary>
        public int MaxStreamsPerOrganization { get; set; } = 20;
    }

    /// <summary>Server-wide limits; an organization's own <c>limits</c> override each one.</summary>
    internal sealed class LimitOptions
    {
        /// <summary>Sustained requests per second per API key (token bucket refill).</summary>
        public int RequestsPerSecond { get; set; } = 1000;

        /// <summary>Requests an idle API key may send at once (token bucket size).</summary>
        public int RequestBurst { get; set; } = 2000;

        /// <summary>Requests per second per client IP address without a valid API key (missing or wrong keys).</summary>
        public int AnonymousRequestsPerSecond { get; set; } = 50;

        /// <summary>Burst per client IP address without a valid API key.</summary>
        public int AnonymousRequestBurst { get; set; } = 100;

        public int MaxDevices { get; set; } = 10_000;
        public int MaxAutomations { get; set; } = 1_000;

        /// <summary>Webhook actions across all of an organization's automations.</summary>
        public int MaxWebhooks { get; set; } = 1_000;
    }

    /// <summary>The SQLite connection string: the configured one, or a file in the data directory.</summary>
    public string SqliteConnectionString =>
        Storage.ConnectionString ?? $"Data Source={Path.Combine(DataDirectory, "smartapi.db")}";
}

/// <summary>Checks the whole configuration at start-up so a mistake fails fast with a message naming the key.</summary>
internal sealed class SmartApiOptionsValidator : IValidateOptions<SmartApiOptions>
{
    public ValidateOptionsResult Validate(string? name, SmartApiOptions options)
    {
        var failures = new List<string>();
        // Each failure is one line: "<full key>: <what is wrong>. <how to fix it>."
        void Fail(string key, string problem, string fix) => failures.Add($"SmartApi:{key}: {problem}. {fix}.");
        void Between(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                Fail(key, $"{value} is out of range",
                    max == TimeSpan.MaxValue ? $"Set a duration of at least {min}" : $"Set a duration between {min} and {max}");
            }
        }
        void Within(string key, long value, long min, long max, string unit = "")
        {
            if (value < min || value > max)
            {
                Fail(key, $"{value} is out of range", $"Set a whole number between {min} and {max}{unit}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            Fail("DataDirectory", "is empty", "Set it to a directory the server may write to, such as ./data");
        }
        if (options.Storage.Provider is not ("sqlite" or "postgres"))
        {
            Fail("Storage:Provider", $"'{options.Storage.Provider}' is not a storage provider", "Set it to 'sqlite' or 'postgres'");
        }
        else if (options.Storage.Provider == "postgres")
        {
            ValidatePostgres(options, Fail);
        }
        else if (options.Storage.ConnectionString is { } sqlite)
        {
            try
            {
                _ = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(sqlite);
            }
            catch (ArgumentException)
            {
                // Not echoed: a connection string may hold a secret.
                Fail("Storage:ConnectionString", "is not a valid SQLite connection string",
                    "Use the form 'Data Source=/var/lib/smartapi/smartapi.db', or remove it to use the data directory");
            }
        }
        if (options.BootstrapApiKey is { } key
            && (key.Length is < 32 or > ApiKeys.ApiKeySecrets.MaxLength || key.Any(c => c is < ' ' or > '~') || key.Trim().Length != key.Length))
        {
            Fail("BootstrapApiKey", "is not a usable API key secret",
                $"Use 32-{ApiKeys.ApiKeySecrets.MaxLength} printable ASCII characters, not starting or ending with a space (openssl rand -hex 32)");
        }
        Within("Mqtt:Port", options.Mqtt.Port, 0, 65535, " (0 turns the embedded broker off)");
        Within("Mqtt:TlsPort", options.Mqtt.TlsPort, 0, 65535, " (0: no TLS listener)");
        if (options.Mqtt.TlsPort is > 0 and <= 65535 && string.IsNullOrEmpty(options.Mqtt.CertificatePath))
        {
            Fail("Mqtt:CertificatePath", "is required when SmartApi:Mqtt:TlsPort is set", "Set it to a PKCS#12 (.pfx) certificate file, or set TlsPort to 0");
        }
        if (!IPAddress.TryParse(options.Mqtt.BindAddress, out _))
        {
            Fail("Mqtt:BindAddress", $"'{options.Mqtt.BindAddress}' is not an IP address", "Set an address such as 0.0.0.0 or 127.0.0.1");
        }
        Between("Mqtt:OfflineGracePeriod", options.Mqtt.OfflineGracePeriod, TimeSpan.Zero, TimeSpan.FromHours(1));
        Within("Mqtt:MaxConnectPacketSize", options.Mqtt.MaxConnectPacketSize, 256, 65536, " bytes");
        Within("Mqtt:MaxPacketSize", options.Mqtt.MaxPacketSize, 1024, SmartApiOptions.MqttOptions.MaxPacketSizeLimit, " bytes");
        Between("Mqtt:ConnectTimeout", options.Mqtt.ConnectTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        if (!double.IsFinite(options.Mqtt.MessageRate) || options.Mqtt.MessageRate is <= 0 or > 100_000)
        {
            Fail("Mqtt:MessageRate", $"{options.Mqtt.MessageRate} is out of range", "Set a number of messages per second more than 0 and at most 100000");
        }
        Within("Mqtt:MessageBurst", options.Mqtt.MessageBurst, 1, 100_000, " messages");
        if (string.IsNullOrWhiteSpace(options.Mqtt.SharedGroup) || options.Mqtt.SharedGroup.AsSpan().IndexOfAny("/+#") >= 0)
        {
            Fail("Mqtt:SharedGroup", "is empty or holds '/', '+' or '#'", "Set a plain name such as 'smartapi'");
        }
        if (options.Mqtt.ExternalBroker is { } broker
            && (!Uri.TryCreate(broker, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)))
        {
            Fail("Mqtt:ExternalBroker", $"'{broker}' is not a broker address", "Use the form mqtt://host:1883 or mqtts://host:8883");
        }
        foreach (var network in options.Webhooks.AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                Fail("Webhooks:AllowedNetworks", $"'{network}' is not a CIDR range", "Use ranges such as 192.168.1.0/24 or fd00::/8");
            }
        }
        Between("Webhooks:Timeout", options.Webhooks.Timeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5));
        if (options.Webhooks.RetrySchedule is { } schedule && (schedule.Any(d => d <= TimeSpan.Zero) || schedule.Count > 50))
        {
            Fail("Webhooks:RetrySchedule", "holds a delay that is not positive, or more than 50 delays", "List at most 50 positive durations such as 00:00:05");
        }
        if (options.Webhooks.EncryptionKey is { } encryptionKey && !IsBase64Key(encryptionKey))
        {
            Fail("Webhooks:EncryptionKey", "is not the base64 of 32 bytes", "Generate one with: openssl rand -base64 32");
        }
        Between("Webhooks:SecretRotationOverlap", options.Webhooks.SecretRotationOverlap, TimeSpan.Zero, TimeSpan.FromDays(30));
        if (options.Webhooks.DisableAfter <= TimeSpan.Zero)
        {
            Fail("Webhooks:DisableAfter", $"{options.Webhooks.DisableAfter} is not positive", "Set a positive duration such as 5.00:00:00");
        }
        Within("Webhooks:MaxConcurrencyPerHost", options.Webhooks.MaxConcurrencyPerHost, 1, 1024);
        Within("Http:MaxRequestBodySize", options.Http.MaxRequestBodySize, 1024, 100 * 1024 * 1024, " bytes");
        Between("Retention:MaxAge", options.Retention.MaxAge, TimeSpan.FromHours(1), TimeSpan.MaxValue);
        Between("Retention:MeasurementsMaxAge", options.Retention.MeasurementsMaxAge, TimeSpan.FromDays(1), TimeSpan.MaxValue);
        Between("Retention:Interval", options.Retention.Interval, TimeSpan.FromSeconds(1), TimeSpan.MaxValue);
        Between("Events:StreamHeartbeat", options.Events.StreamHeartbeat, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        Between("Events:StreamPollInterval", options.Events.StreamPollInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
        Between("Events:StreamWriteTimeout", options.Events.StreamWriteTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Within("Events:MaxStreamsPerOrganization", options.Events.MaxStreamsPerOrganization, 1, 10_000);
        if (options.Commands.Ttl <= TimeSpan.Zero)
        {
            Fail("Commands:Ttl", $"{options.Commands.Ttl} is not positive", "Set a positive duration such as 00:05:00");
        }
        var limits = options.Limits;
        Within("Limits:RequestsPerSecond", limits.RequestsPerSecond, 1, Organizations.LimitValidation.MaxRate);
        Within("Limits:RequestBurst", limits.RequestBurst, 1, Organizations.LimitValidation.MaxRate * 10L);
        Within("Limits:AnonymousRequestsPerSecond", limits.AnonymousRequestsPerSecond, 1, Organizations.LimitValidation.MaxRate);
        Within("Limits:AnonymousRequestBurst", limits.AnonymousRequestBurst, 1, Organizations.LimitValidation.MaxRate * 10L);
        Within("Limits:MaxDevices", limits.MaxDevices, 0, Organizations.LimitValidation.MaxQuota);
        Within("Limits:MaxAutomations", limits.MaxAutomations, 0, Organizations.LimitValidation.MaxQuota);
        Within("Limits:MaxWebhooks", limits.MaxWebhooks, 0, Organizations.LimitValidation.MaxQuota);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePostgres(SmartApiOptions options, Action<string, string, string> fail)
    {
        const string Example = "Host=db.internal;Database=smartapi;Username=smartapi;Password=...";
        if (string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            fail("Storage:ConnectionString", "is required with SmartApi:Storage:Provider 'postgres'", $"Set it, such as '{Example}'");
        }
        else
        {
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.Storage.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    fail("Storage:ConnectionString", "does not name the PostgreSQL server", "Add Host=...");
                }
                if (string.IsNullOrWhiteSpace(builder.Database))
                {
                    fail("Storage:ConnectionString", "does not name the database", "Add Database=...");
                }
            }
            catch (ArgumentException ex)
            {
                // Not echoed: the string may hold a password.
                fail("Storage:ConnectionString", $"is not a valid PostgreSQL connection string ({ex.Message.Split('\'')[0].Trim()})",
                    $"Use the form '{Example}'");
            }
        }
        // Each node would otherwise make its own key file and could not read the others' secrets.
        if (options.Webhooks.EncryptionKey is null)
        {
            fail("Webhooks:EncryptionKey", "is required with SmartApi:Storage:Provider 'postgres' (every node must encrypt webhook secrets with the same key)",
                "Set the same value on every node, generated once with: openssl rand -base64 32");
        }
    }

    private static bool IsBase64Key(string text)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32;
    }
}
