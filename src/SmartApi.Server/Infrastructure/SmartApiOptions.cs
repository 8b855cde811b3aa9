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
        public double MessageRate { get; set; } = 50;

        /// <summary>Messages one device may publish at once above <see cref="MessageRate"/> (the size of its token bucket).</summary>
        public int MessageBurst { get; set; } = 100;

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
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("SmartApi:DataDirectory must name a directory.");
        }
        if (options.Storage.Provider is not ("sqlite" or "postgres"))
        {
            failures.Add($"SmartApi:Storage:Provider must be 'sqlite' or 'postgres', not '{options.Storage.Provider}'.");
        }
        else if (options.Storage.Provider == "postgres")
        {
            ValidatePostgres(options, failures);
        }
        if (options.BootstrapApiKey is { } key
            && (key.Length is < 32 or > ApiKeys.ApiKeySecrets.MaxLength || key.Any(c => c is < ' ' or > '~') || key.Trim().Length != key.Length))
        {
            failures.Add($"SmartApi:BootstrapApiKey must be 32-{ApiKeys.ApiKeySecrets.MaxLength} printable ASCII characters, not starting or ending with a space.");
        }
        if (options.Mqtt.Port is < 0 or > 65535)
        {
            failures.Add($"SmartApi:Mqtt:Port must be between 0 and 65535, not {options.Mqtt.Port}.");
        }
        if (options.Mqtt.TlsPort is < 0 or > 65535)
        {
            failures.Add($"SmartApi:Mqtt:TlsPort must be between 0 and 65535, not {options.Mqtt.TlsPort}.");
        }
        else if (options.Mqtt.TlsPort > 0 && string.IsNullOrEmpty(options.Mqtt.CertificatePath))
        {
            failures.Add("SmartApi:Mqtt:TlsPort needs SmartApi:Mqtt:CertificatePath (a .pfx file).");
        }
        if (!System.Net.IPAddress.TryParse(options.Mqtt.BindAddress, out _))
        {
            failures.Add($"SmartApi:Mqtt:BindAddress must be an IP address, not '{options.Mqtt.BindAddress}'.");
        }
        if (options.Mqtt.OfflineGracePeriod < TimeSpan.Zero || options.Mqtt.OfflineGracePeriod > TimeSpan.FromHours(1))
        {
            failures.Add("SmartApi:Mqtt:OfflineGracePeriod must be between 00:00:00 and 01:00:00.");
        }
        ValidateMqttLimits(options.Mqtt, failures);
        if (string.IsNullOrWhiteSpace(options.Mqtt.SharedGroup) || options.Mqtt.SharedGroup.AsSpan().IndexOfAny("/+#") >= 0)
        {
            failures.Add("SmartApi:Mqtt:SharedGroup must be a non-empty name without '/', '+' or '#'.");
        }
        if (options.Mqtt.ExternalBroker is { } broker
            && (!Uri.TryCreate(broker, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)))
        {
            failures.Add($"SmartApi:Mqtt:ExternalBroker must look like mqtt://host:port, not '{broker}'.");
        }
        foreach (var network in options.Webhooks.AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                failures.Add($"SmartApi:Webhooks:AllowedNetworks: '{network}' is not a CIDR range such as 192.168.1.0/24.");
            }
        }
        if (options.Webhooks.Timeout <= TimeSpan.Zero || options.Webhooks.Timeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("SmartApi:Webhooks:Timeout must be between 00:00:00.001 and 00:05:00.");
        }
        if (options.Webhooks.RetrySchedule is { } schedule && (schedule.Any(d => d <= TimeSpan.Zero) || schedule.Count > 50))
        {
            failures.Add("SmartApi:Webhooks:RetrySchedule must hold at most 50 delays, all positive.");
        }
        if (options.Webhooks.EncryptionKey is { } encryptionKey && !IsBase64Key(encryptionKey))
        {
            failures.Add("SmartApi:Webhooks:EncryptionKey must be the base64 of 32 random bytes (openssl rand -base64 32).");
        }
        if (options.Webhooks.SecretRotationOverlap < TimeSpan.Zero || options.Webhooks.SecretRotationOverlap > TimeSpan.FromDays(30))
        {
            failures.Add("SmartApi:Webhooks:SecretRotationOverlap must be between 00:00:00 and 30.00:00:00.");
        }
        if (options.Webhooks.DisableAfter <= TimeSpan.Zero)
        {
            failures.Add("SmartApi:Webhooks:DisableAfter must be positive.");
        }
        if (options.Webhooks.MaxConcurrencyPerHost is < 1 or > 1024)
        {
            failures.Add("SmartApi:Webhooks:MaxConcurrencyPerHost must be between 1 and 1024.");
        }
        if (options.Http.MaxRequestBodySize is < 1024 or > 100 * 1024 * 1024)
        {
            failures.Add("SmartApi:Http:MaxRequestBodySize must be between 1024 and 104857600 bytes.");
        }
        if (options.Retention.MaxAge < TimeSpan.FromHours(1))
        {
            failures.Add("SmartApi:Retention:MaxAge must be at least 01:00:00.");
        }
        if (options.Retention.MeasurementsMaxAge < TimeSpan.FromDays(1))
        {
            failures.Add("SmartApi:Retention:MeasurementsMaxAge must be at least 1.00:00:00.");
        }
        if (options.Retention.Interval < TimeSpan.FromSeconds(1))
        {
            failures.Add("SmartApi:Retention:Interval must be at least 00:00:01.");
        }
        if (options.Events.StreamHeartbeat < TimeSpan.FromMilliseconds(100) || options.Events.StreamHeartbeat > TimeSpan.FromMinutes(10))
        {
            failures.Add("SmartApi:Events:StreamHeartbeat must be between 00:00:00.1 and 00:10:00.");
        }
        if (options.Events.StreamPollInterval < TimeSpan.FromMilliseconds(50) || options.Events.StreamPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("SmartApi:Events:StreamPollInterval must be between 00:00:00.05 and 00:01:00.");
        }
        if (options.Events.StreamWriteTimeout < TimeSpan.FromMilliseconds(100) || options.Events.StreamWriteTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("SmartApi:Events:StreamWriteTimeout must be between 00:00:00.1 and 00:05:00.");
        }
        if (options.Events.MaxStreamsPerOrganization is < 1 or > 10_000)
        {
            failures.Add("SmartApi:Events:MaxStreamsPerOrganization must be between 1 and 10000.");
        }
        if (options.Commands.Ttl <= TimeSpan.Zero)
        {
            failures.Add("SmartApi:Commands:Ttl must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateMqttLimits(SmartApiOptions.MqttOptions mqtt, List<string> failures)
    {
        if (mqtt.MaxConnectPacketSize is < 256 or > 65536)
        {
            failures.Add($"SmartApi:Mqtt:MaxConnectPacketSize must be between 256 and 65536 bytes, not {mqtt.MaxConnectPacketSize}.");
        }
        if (mqtt.MaxPacketSize is < 1024 or > SmartApiOptions.MqttOptions.MaxPacketSizeLimit)
        {
            failures.Add($"SmartApi:Mqtt:MaxPacketSize must be between 1024 and {SmartApiOptions.MqttOptions.MaxPacketSizeLimit} bytes, not {mqtt.MaxPacketSize}.");
        }
        if (mqtt.ConnectTimeout < TimeSpan.FromSeconds(1) || mqtt.ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("SmartApi:Mqtt:ConnectTimeout must be between 00:00:01 and 00:05:00.");
        }
        if (!double.IsFinite(mqtt.MessageRate) || mqtt.MessageRate is <= 0 or > 100_000)
        {
            failures.Add($"SmartApi:Mqtt:MessageRate must be more than 0 and at most 100000 messages per second, not {mqtt.MessageRate}.");
        }
        if (mqtt.MessageBurst is < 1 or > 100_000)
        {
            failures.Add($"SmartApi:Mqtt:MessageBurst must be between 1 and 100000 messages, not {mqtt.MessageBurst}.");
        }
    }

    private static void ValidatePostgres(SmartApiOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            failures.Add("SmartApi:Storage:ConnectionString is required with SmartApi:Storage:Provider 'postgres', " +
                "such as 'Host=db.internal;Database=smartapi;Username=smartapi;Password=...'.");
        }
        else
        {
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.Storage.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Add("SmartApi:Storage:ConnectionString must name the PostgreSQL server with Host=...");
                }
                if (string.IsNullOrWhiteSpace(builder.Database))
                {
                    failures.Add("SmartApi:Storage:ConnectionString must name the database with Database=...");
                }
            }
            catch (ArgumentException ex)
            {
                // Not echoed: the string may hold a password.
                failures.Add($"SmartApi:Storage:ConnectionString is not a valid PostgreSQL connection string ({ex.Message.Split('\'')[0].Trim()}).");
            }
        }
        // Each node would otherwise make its own key file and could not read the others' secrets.
        if (options.Webhooks.EncryptionKey is null)
        {
            failures.Add("SmartApi:Webhooks:EncryptionKey is required with SmartApi:Storage:Provider 'postgres': every node must encrypt " +
                "webhook secrets with the same key (openssl rand -base64 32).");
        }
    }

    private static bool IsBase64Key(string text)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32;
    }
}
