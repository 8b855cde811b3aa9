using MQTTnet;
using MQTTnet.Formatter;

namespace SmartApi.Server.Mqtt;

/// <summary>How the server connects to the external broker, for its gateway and its provisioning client alike.</summary>
internal static class BrokerConnection
{
    /// <summary>MQTT 5, clean start, the configured account and TLS for <c>mqtts://</c>; a random client id after the prefix.</summary>
    public static MqttClientOptionsBuilder BrokerClientOptions(this MqttOptions settings, string clientIdInfix)
    {
        var uri = new Uri(settings.ExternalBroker!);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? (uri.Scheme == "mqtts" ? 8883 : 1883) : uri.Port)
            .WithClientId(settings.ClientIdPrefix + clientIdInfix + Guid.NewGuid().ToString("N")[..12])
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true);
        if (settings.Username is { } user)
        {
            builder = builder.WithCredentials(user, settings.Password);
        }
        return uri.Scheme == "mqtts" ? builder.WithTlsOptions(o => o.UseTls()) : builder;
    }
}
