using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Appliance.Core.Net;

/// <summary>Sixteen inline bytes: an IPv6 address, or an IPv4 address in its first four.</summary>
[InlineArray(16)]
public struct AddressBytes
{
    private byte _first;
}

/// <summary>
/// A client's IP address and port as a value, with no heap object behind it (unlike <see cref="IPAddress"/>).
/// Built straight from a Linux <c>sockaddr_in</c>/<c>sockaddr_in6</c> so the packet path never allocates.
/// </summary>
public struct ClientAddress : IEquatable<ClientAddress>
{
    private AddressBytes _bytes;

    public AddressFamily Family { get; private set; }

    public ushort Port { get; private set; }

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Bytes => Family == AddressFamily.InterNetwork
        ? ((ReadOnlySpan<byte>)_bytes)[..4]
        : Family == AddressFamily.InterNetworkV6 ? (ReadOnlySpan<byte>)_bytes : [];

    /// <summary>
    /// Reads a raw Linux sockaddr (as held by <see cref="SocketAddress.Buffer"/>): family in host order at 0,
    /// port big-endian at 2, IPv4 address at 4 or IPv6 address at 8.
    /// </summary>
    public static bool TryFromSockaddr(ReadOnlySpan<byte> sockaddr, out ClientAddress address)
    {
        address = default;
        if (sockaddr.Length < 8)
        {
            return false;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        if (!BitConverter.IsLittleEndian)
        {
            family = BinaryPrimitives.ReverseEndianness(family);
        }

        address.Port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        switch (family)
        {
            case 2: // AF_INET
                address.Family = AddressFamily.InterNetwork;
                sockaddr.Slice(4, 4).CopyTo(address._bytes);
                return true;
            case 10 when sockaddr.Length >= 24: // AF_INET6 on Linux
                address.Family = AddressFamily.InterNetworkV6;
                sockaddr.Slice(8, 16).CopyTo(address._bytes);
                return true;
            default:
                return false;
        }
    }

    /// <summary>From an address as it sits in an IP header (4 or 16 bytes) and a port: the packet filter's way in.</summary>
    public static ClientAddress FromBytes(ReadOnlySpan<byte> address, ushort port)
    {
        var result = new ClientAddress
        {
            Family = address.Length == 4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6,
            Port = port,
        };
        address[..(address.Length == 4 ? 4 : 16)].CopyTo(result._bytes);
        return result;
    }

    public static ClientAddress FromEndPoint(IPEndPoint endPoint)
    {
        var address = new ClientAddress { Family = endPoint.AddressFamily, Port = (ushort)endPoint.Port };
        endPoint.Address.TryWriteBytes(address._bytes, out _);
        return address;
    }

    /// <summary>
    /// A 64-bit key for rate limiting: the IPv4 address, or the IPv6 /64 prefix (one subscriber, as Technitium
    /// and Blocky limit). Compare <see cref="Family"/> too: the two spaces may overlap.
    /// </summary>
    public readonly ulong RateKey => Family == AddressFamily.InterNetwork
        ? BinaryPrimitives.ReadUInt32BigEndian(Bytes)
        : BinaryPrimitives.ReadUInt64BigEndian(Bytes);

    /// <summary>The same address with port 0: the device, whichever source port a query came from.</summary>
    public readonly ClientAddress WithoutPort()
    {
        var copy = this;
        copy.Port = 0;
        return copy;
    }

    /// <summary>For logs and tools; allocates.</summary>
    public readonly IPAddress ToIPAddress() => Family == AddressFamily.Unspecified ? IPAddress.None : new IPAddress(Bytes);

    public override readonly string ToString() => new IPEndPoint(ToIPAddress(), Port).ToString();

    public readonly bool Equals(ClientAddress other) => Family == other.Family && Port == other.Port && Bytes.SequenceEqual(other.Bytes);

    public override readonly bool Equals(object? obj) => obj is ClientAddress other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Bytes);
        hash.Add(Port);
        return hash.ToHashCode();
    }

    public static bool operator ==(ClientAddress left, ClientAddress right) => left.Equals(right);

    public static bool operator !=(ClientAddress left, ClientAddress right) => !left.Equals(right);
}
