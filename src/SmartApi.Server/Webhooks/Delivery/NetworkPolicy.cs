using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// Which addresses webhooks may reach (SSRF protection). Unless <c>AllowPrivateNetworks</c>,
/// loopback, private, shared (CGNAT), link-local (cloud metadata), multicast, unspecified and
/// reserved addresses are refused, except ranges in <c>AllowedNetworks</c>. An IPv6 address that
/// embeds an IPv4 address (IPv4-mapped, -compatible, -translated, 6to4, NAT64, Teredo) is refused
/// when the IPv4 address it embeds would be, because a translator or relay on the path may deliver
/// it there. The check runs on resolved addresses: at creation, and again in the connect callback
/// of every request, so DNS rebinding cannot slip past it.
/// </summary>
internal sealed class NetworkPolicy
{
    private static readonly IPNetwork[] BlockedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
    ];

    // Whole IPv6 ranges that are never a public receiver. The IPv4-embedding ranges (::/96,
    // ::ffff:0:0:0/96, 64:ff9b::/96, 2002::/16, 2001::/32) are judged by what they embed instead.
    private static readonly IPNetwork[] BlockedV6 =
    [
        IPNetwork.Parse("::1/128"), // loopback (also 0.0.0.1 in the IPv4-compatible form)
        IPNetwork.Parse("64:ff9b:1::/48"), // NAT64 local use: embeds at a site-chosen position
        IPNetwork.Parse("100::/64"), // discard only
        IPNetwork.Parse("2001:2::/48"), // benchmarking
        IPNetwork.Parse("2001:10::/28"), IPNetwork.Parse("2001:20::/28"), // ORCHID, ORCHIDv2: identifiers, not locators
        IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("3fff::/20"), // documentation
        IPNetwork.Parse("5f00::/16"), // SRv6 segment identifiers
        IPNetwork.Parse("fc00::/7"), // unique local
        IPNetwork.Parse("fe80::/10"), // link-local
        IPNetwork.Parse("fec0::/10"), // site-local (deprecated, still routed by some stacks)
        IPNetwork.Parse("ff00::/8"), // multicast
    ];

    private readonly bool _allowPrivate;
    private readonly IPNetwork[] _allowed;

    public NetworkPolicy(IOptions<WebhookOptions> options)
    {
        _allowPrivate = options.Value.AllowPrivateNetworks;
        _allowed = options.Value.AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToArray();
    }

    /// <summary>How names are resolved; tests replace it to play a DNS server.</summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = Dns.GetHostAddressesAsync;

    /// <summary>
    /// Whether webhooks may connect to <paramref name="address"/>. An IPv4-mapped address is the
    /// IPv4 address itself (the socket connects there), so it is judged and matched against
    /// <c>AllowedNetworks</c> as IPv4. The other embedding forms are matched against
    /// <c>AllowedNetworks</c> as written: an IPv4 range does not open its 6to4 or NAT64 forms.
    /// </summary>
    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (_allowPrivate || InAny(_allowed, address))
        {
            return true;
        }
        return address.AddressFamily == AddressFamily.InterNetwork ? !InAny(BlockedV4, address) : !IsBlockedV6(address);
    }

    private static bool IsBlockedV6(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || InAny(BlockedV6, address))
        {
            return true;
        }
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            // IPv4-compatible ::a.b.c.d (deprecated); :: itself is 0.0.0.0, ::1 is 0.0.0.1.
            return IsBlockedV4(b[12..]);
        }
        if (b[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return IsBlockedV4(b[12..]); // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return IsBlockedV4(b[12..]); // NAT64 well-known prefix 64:ff9b::/96
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsBlockedV4(b[2..6]); // 6to4 2002:AABB:CCDD::/48
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            // Teredo 2001::/32: the server's IPv4 in bits 32-63, the client's inverted in the last 32.
            Span<byte> client = [(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]];
            return IsBlockedV4(b[4..8]) || IsBlockedV4(client);
        }
        return false;
    }

    private static bool IsBlockedV4(ReadOnlySpan<byte> embedded) => InAny(BlockedV4, new IPAddress(embedded));

    private static bool InAny(IPNetwork[] networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
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

    private async Task<IPAddress[]?> LookUpAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }
        try
        {
            return await Resolve(host, cancellationToken);
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
