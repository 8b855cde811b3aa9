using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// Which addresses webhooks may reach (SSRF protection). Unless <c>AllowPrivateNetworks</c>,
/// loopback, private, shared (CGNAT), link-local (cloud metadata), multicast, unspecified and
/// reserved addresses are refused, IPv4-mapped IPv6 included, except ranges in <c>AllowedNetworks</c>.
/// The check runs on resolved addresses: at creation, and again in the connect callback of every
/// request, so DNS rebinding cannot slip past it.
/// </summary>
internal sealed class NetworkPolicy
{
    private static readonly IPNetwork[] BlockedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
    ];

    private static readonly IPNetwork[] BlockedV6 =
    [
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private readonly bool _allowPrivate;
    private readonly IPNetwork[] _allowed;

    public NetworkPolicy(IOptions<SmartApiOptions> options)
    {
        _allowPrivate = options.Value.Webhooks.AllowPrivateNetworks;
        _allowed = options.Value.Webhooks.AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToArray();
    }

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (_allowPrivate || _allowed.Any(n => n.Contains(address)))
        {
            return true;
        }
        var blocked = address.AddressFamily == AddressFamily.InterNetwork ? BlockedV4 : BlockedV6;
        return !blocked.Any(n => n.Contains(address));
    }

    /// <summary>
    /// The check at creation: why the host may not be reached, or null. A name that does not resolve
    /// (yet) is accepted: DNS may be set up later, and every connection is checked again anyway.
    /// </summary>
    public async Task<string?> RefusalAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await LookUpAsync(host, cancellationToken);
        return addresses is null ? null : Refusal(host, addresses);
    }

    private static async Task<IPAddress[]?> LookUpAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every address must be allowed: a name that also resolves to a private address is refused
    /// rather than trusted to pick the public one.
    /// </summary>
    private string? Refusal(string host, IPAddress[] addresses) =>
        addresses.FirstOrDefault(a => !IsAllowed(a)) is { } refused
            ? $"The host '{host}' resolves to {refused}, a loopback, private, link-local, multicast or reserved address."
            : null;

    /// <summary>The connect callback of the webhook HTTP handler: connects only to an allowed address.</summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken) =>
        ConnectAsync(context.DnsEndPoint, cancellationToken);

    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = await LookUpAsync(endpoint.Host, cancellationToken);
        if (addresses is not { Length: > 0 })
        {
            throw new HostNotResolvedException($"The host '{endpoint.Host}' does not resolve.");
        }
        if (Refusal(endpoint.Host, addresses) is { } refusal)
        {
            throw new BlockedAddressException(refusal);
        }
        var address = addresses[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The webhook's host resolves to an address webhooks may not reach.</summary>
internal sealed class BlockedAddressException(string message) : Exception(message);

/// <summary>The webhook's host does not resolve (now); the delivery is retried.</summary>
internal sealed class HostNotResolvedException(string message) : Exception(message);
