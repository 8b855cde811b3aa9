using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt.Provisioning;

/// <summary>
/// Writes a device's broker account changes into the device's own transaction when the server
/// provisions accounts (<c>SmartApi:Mqtt:Provisioning</c>), so a committed create, delete or
/// rotation always reaches the broker eventually, whatever the broker's state at that moment (ADR 040).
/// </summary>
internal sealed class BrokerAccounts(IOptions<MqttOptions> options, SecretProtector protector, TimeProvider time)
{
    public WakeSignal Wake { get; } = new();

    public bool Enabled => options.Value.ProvisionsMosquitto;

    /// <summary>The serial's account with this password (a new device, or new credentials).</summary>
    public async ValueTask SetPasswordAsync(IStoreTransaction tx, string serial, string password)
    {
        if (Enabled)
        {
            // The broker needs the password itself once; it is kept only encrypted, and only until applied.
            var secret = protector.Protect(System.Text.Encoding.UTF8.GetBytes(password));
            await tx.EnqueueBrokerAccountJobAsync(serial, BrokerAccountAction.Upsert, secret, time.GetUtcNow());
        }
    }

    public async ValueTask RemoveAsync(IStoreTransaction tx, string serial)
    {
        if (Enabled)
        {
            await tx.EnqueueBrokerAccountJobAsync(serial, BrokerAccountAction.Delete, null, time.GetUtcNow());
        }
    }

    /// <summary>After the commit: this node's worker applies the job at once rather than at its next poll.</summary>
    public void Committed()
    {
        if (Enabled)
        {
            Wake.Notify();
        }
    }
}
