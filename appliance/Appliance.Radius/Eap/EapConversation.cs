using Appliance.Radius.Tls;

namespace Appliance.Radius.Eap;

/// <summary>One EAP conversation between a supplicant and this server, across the round trips of its login.</summary>
internal sealed class EapConversation(string clientName, string? station, DateTimeOffset started) : IDisposable
{
    public string ClientName { get; } = clientName;

    /// <summary>The device (Calling-Station-Id, its MAC), when the access point says.</summary>
    public string? Station { get; } = station;

    public DateTimeOffset Started { get; } = started;

    public DateTimeOffset LastSeen { get; set; } = started;

    /// <summary>The method proposed or running (<see cref="Protocols.Radius.EapType"/>).</summary>
    public byte Method { get; set; }

    /// <summary>The peer has answered our Start: a Nak is no longer allowed.</summary>
    public bool MethodAgreed { get; set; }

    /// <summary>The Identifier of our last EAP-Request: the peer's Response must carry it (RFC 3748 §4.1).</summary>
    public byte Identifier { get; set; }

    public int RoundTrips { get; set; }

    public EapTlsChannel Channel { get; } = new();

    public TlsTunnel? Tunnel { get; set; }

    public ITunnelMethod? Inner { get; set; }

    public void Dispose() => Tunnel?.Dispose();
}
