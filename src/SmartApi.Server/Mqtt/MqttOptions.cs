using System.Net;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Mqtt;

/// <summary>The <c>SmartApi:Mqtt</c> section: the embedded broker, or the external one, and the device limits.</summary>
internal sealed class MqttOptions
{
    public const string Section = "SmartApi:Mqtt";

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

    /// <summary>
    /// External broker mode: who keeps the devices' broker accounts in step with the API,
    /// <c>None</c> (the operator, or the broker asks <c>/mqtt/auth</c>) or <c>MosquittoDynamicSecurity</c> (ADR 040).
    /// </summary>
    public string Provisioning { get; set; } = ProvisioningNone;

    /// <summary>
    /// Shared secret a broker sends in <c>X-Broker-Secret</c> to <c>/mqtt/auth</c> and <c>/mqtt/acl</c>;
    /// unset (default) leaves those endpoints unmapped.
    /// </summary>
    public string? BrokerAuthSecret { get; set; }

    /// <summary>Calls per second the broker may make to <c>/mqtt/auth</c> and <c>/mqtt/acl</c> together, beyond which it gets 429.</summary>
    public int BrokerAuthRequestsPerSecond { get; set; } = 2000;

    public const string ProvisioningNone = "None";
    public const string ProvisioningMosquitto = "MosquittoDynamicSecurity";

    public bool ProvisionsMosquitto => string.Equals(Provisioning, ProvisioningMosquitto, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Connections the kernel may hold waiting to be accepted on the server's listening sockets. A
    /// fleet reconnecting at once (a broker restart) overflows Kestrel's default of 512, and each
    /// overflowed connect waits for TCP's retransmission (1 s, then 3 s, 7 s...). Linux caps it at
    /// <c>net.core.somaxconn</c> (4096 by default).
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

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

internal sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var failures = new OptionsFailures();
        failures.Within("Mqtt:Port", options.Port, 0, 65535, " (0 turns the embedded broker off)");
        failures.Within("Mqtt:TlsPort", options.TlsPort, 0, 65535, " (0: no TLS listener)");
        if (options.TlsPort is > 0 and <= 65535 && string.IsNullOrEmpty(options.CertificatePath))
        {
            failures.Fail("Mqtt:CertificatePath", "is required when SmartApi:Mqtt:TlsPort is set", "Set it to a PKCS#12 (.pfx) certificate file, or set TlsPort to 0");
        }
        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Fail("Mqtt:BindAddress", $"'{options.BindAddress}' is not an IP address", "Set an address such as 0.0.0.0 or 127.0.0.1");
        }
        failures.Between("Mqtt:OfflineGracePeriod", options.OfflineGracePeriod, TimeSpan.Zero, TimeSpan.FromHours(1));
        failures.Within("Mqtt:MaxConnectPacketSize", options.MaxConnectPacketSize, 256, 65536, " bytes");
        failures.Within("Mqtt:MaxPacketSize", options.MaxPacketSize, 1024, MqttOptions.MaxPacketSizeLimit, " bytes");
        failures.Within("Mqtt:ListenBacklog", options.ListenBacklog, 16, 65535, " connections");
        failures.Between("Mqtt:ConnectTimeout", options.ConnectTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        if (!double.IsFinite(options.MessageRate) || options.MessageRate is <= 0 or > 100_000)
        {
            failures.Fail("Mqtt:MessageRate", $"{options.MessageRate} is out of range", "Set a number of messages per second more than 0 and at most 100000");
        }
        failures.Within("Mqtt:MessageBurst", options.MessageBurst, 1, 100_000, " messages");
        if (string.IsNullOrWhiteSpace(options.SharedGroup) || options.SharedGroup.AsSpan().IndexOfAny("/+#") >= 0)
        {
            failures.Fail("Mqtt:SharedGroup", "is empty or holds '/', '+' or '#'", "Set a plain name such as 'smartapi'");
        }
        if (options.ExternalBroker is { } broker
            && (!Uri.TryCreate(broker, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)))
        {
            failures.Fail("Mqtt:ExternalBroker", $"'{broker}' is not a broker address", "Use the form mqtt://host:1883 or mqtts://host:8883");
        }
        if (!string.Equals(options.Provisioning, MqttOptions.ProvisioningNone, StringComparison.OrdinalIgnoreCase) && !options.ProvisionsMosquitto)
        {
            failures.Fail("Mqtt:Provisioning", $"'{options.Provisioning}' is not a provisioning mode", "Set None or MosquittoDynamicSecurity");
        }
        else if (options.ProvisionsMosquitto && (options.ExternalBroker is null || string.IsNullOrEmpty(options.Username)))
        {
            failures.Fail("Mqtt:Provisioning", "MosquittoDynamicSecurity needs SmartApi:Mqtt:ExternalBroker and SmartApi:Mqtt:Username",
                "Set the broker address and the server's broker account (it needs the dynamic-security admin role), or set Provisioning to None");
        }
        if (options.BrokerAuthSecret is { Length: < 16 })
        {
            failures.Fail("Mqtt:BrokerAuthSecret", "is shorter than 16 characters", "Set a long random value (openssl rand -base64 32), or remove it to turn /mqtt/auth off");
        }
        failures.Within("Mqtt:BrokerAuthRequestsPerSecond", options.BrokerAuthRequestsPerSecond, 1, 1_000_000);
        return failures.Result;
    }
}
