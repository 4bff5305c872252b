using System.Security.Cryptography;
using Appliance.Protocols.Radius;
using Appliance.Radius.Clients;
using Appliance.Radius.Users;

namespace Appliance.Radius.Server;

/// <summary>
/// Writes the reply to one Access-Request: Message-Authenticator first (BlastRADIUS), then for an Accept the EAP-Success,
/// the MS-MPPE keys (RFC 2548; without them the access point drops the station after EAP-Success) and the user's
/// attributes from the <see cref="AccessPolicy"/>; for a Challenge the next EAP-Request and the State (RFC 2865 §4.4).
/// </summary>
internal readonly ref struct AccessReply(Span<byte> buffer, byte identifier, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> requestAttributes,
    RadiusClient client, RadiusServices services, RadiusCounters counters)
{
    private readonly Span<byte> _buffer = buffer;
    private readonly ReadOnlySpan<byte> _requestAuthenticator = requestAuthenticator;
    private readonly ReadOnlySpan<byte> _requestAttributes = requestAttributes;

    public int Challenge(byte[] eapPacket, byte[] state)
    {
        Interlocked.Increment(ref counters.ChallengesField);
        var writer = Begin(RadiusCode.AccessChallenge);
        return writer.TryWriteEapMessage(eapPacket) && writer.TryWriteAttribute(RadiusAttributeType.State, state) ? Finish(ref writer) : 0;
    }

    /// <param name="user">The user let in; null for the answer to a Status-Server (RFC 5997), which is not counted as a login.</param>
    /// <param name="eapPacket">The EAP-Success, for EAP.</param>
    /// <param name="msk">The MSK, for EAP.</param>
    public int Accept(DirectoryUser? user, byte[]? eapPacket, byte[]? msk = null)
    {
        if (user is not null)
        {
            Interlocked.Increment(ref counters.AcceptsField);
        }

        var writer = Begin(RadiusCode.AccessAccept);
        var ok = eapPacket is null || writer.TryWriteEapMessage(eapPacket);
        if (msk is not null)
        {
            // Each key's salt must be unique among the keys this server sends (RFC 2548 §2.4.2): random is what FreeRADIUS does.
            ok &= writer.TryWriteMppeKeys(msk, client.Secret, (ushort)RandomNumberGenerator.GetInt32(0x10000));
        }

        if (user is not null)
        {
            ok &= writer.TryWriteString(RadiusAttributeType.UserName, user.Name)
                && (services.Classes.Create(user.Name) is not { } token || writer.TryWriteAttribute(RadiusAttributeType.Class, token));
            if (services.Policy.SessionTimeoutFor(user, services.Time.GetUtcNow()) is { } timeout)
            {
                // RFC 3580 §3.17: Termination-Action RADIUS-Request (1) makes the access point re-authenticate at the
                // timeout rather than drop the station.
                ok &= writer.TryWriteUInt32(RadiusAttributeType.SessionTimeout, timeout)
                    && writer.TryWriteUInt32(RadiusAttributeType.TerminationAction, 1);
            }

            // RFC 2869 §5.16: Interim-Updates keep the session (and its address, often known only after DHCP) fresh.
            ok &= writer.TryWriteUInt32(RadiusAttributeType.AcctInterimInterval, (uint)Accounting.AccountingIdentityMap.InterimInterval.TotalSeconds);

            if (services.Policy.VlanFor(user) is { } vlan)
            {
                // RFC 3580 §3.31 / RFC 2868: Tunnel-Type 13 (VLAN), Tunnel-Medium-Type 6 (IEEE-802), the VLAN ID as text, tag 0.
                ok &= writer.TryWriteTaggedUInt24(RadiusAttributeType.TunnelType, 0, 13)
                    && writer.TryWriteTaggedUInt24(RadiusAttributeType.TunnelMediumType, 0, 6)
                    && writer.TryWriteTaggedString(RadiusAttributeType.TunnelPrivateGroupId, 0,
                        System.Text.Encoding.ASCII.GetBytes(vlan.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return ok ? Finish(ref writer) : 0;
    }

    public int Reject(byte[]? eapFailure)
    {
        Interlocked.Increment(ref counters.RejectsField);
        var writer = Begin(RadiusCode.AccessReject);
        return eapFailure is null || writer.TryWriteEapMessage(eapFailure) ? Finish(ref writer) : 0;
    }

    // An Accounting-Response carries no Message-Authenticator: RFC 2866 has none, and RFC 3579 leaves its computation
    // for accounting open — FreeRADIUS's radclient checks it over a zeroed authenticator and refused ours (computed, like
    // the Access replies', over the request's); the Response Authenticator (RFC 2866 §4) is what protects it.
    public static int AccountingResponse(Span<byte> buffer, byte identifier, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> requestAttributes,
        RadiusClient client)
    {
        var writer = new RadiusPacketWriter(buffer);
        return writer.TryWriteHeader(RadiusCode.AccountingResponse, identifier, requestAuthenticator, withMessageAuthenticator: false)
            && CopyProxyState(ref writer, requestAttributes) && writer.TryFinish(client.Secret, out var length) ? length : 0;
    }

    private RadiusPacketWriter Begin(RadiusCode code)
    {
        var writer = new RadiusPacketWriter(_buffer);
        writer.TryWriteHeader(code, identifier, _requestAuthenticator);
        CopyProxyState(ref writer, _requestAttributes);
        return writer;
    }

    // RFC 2865 §5.33 / RFC 2866 §5: Proxy-State is copied into the reply unmodified and in order, for the proxy that added
    // it (a controller proxying for its access points). After Message-Authenticator, which stays first (BlastRADIUS).
    private static bool CopyProxyState(ref RadiusPacketWriter writer, ReadOnlySpan<byte> requestAttributes)
    {
        var reader = new RadiusAttributeReader(requestAttributes);
        while (!reader.IsAtEnd && reader.TryRead(out var attribute) == Appliance.Protocols.ParseStatus.Ok)
        {
            if (attribute.Type == RadiusAttributeType.ProxyState && !writer.TryWriteAttribute(RadiusAttributeType.ProxyState, attribute.Value))
            {
                return false;
            }
        }

        return true;
    }

    private int Finish(ref RadiusPacketWriter writer) => writer.TryFinish(client.Secret, out var length) ? length : 0;
}
