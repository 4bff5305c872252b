using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Appliance.Protocols.Radius;

/// <summary>The result of a Message-Authenticator check; Missing and Invalid are logged differently (BlastRADIUS).</summary>
public enum MessageAuthenticatorCheck : byte
{
    Valid = 0,

    /// <summary>No Message-Authenticator: an Access-Request like this is dropped by default (CVE-2024-3596).</summary>
    Missing = 1,

    /// <summary>Present but wrong: a wrong secret or a forgery.</summary>
    Invalid = 2,

    /// <summary>The packet does not parse, or carries a Message-Authenticator that is not 16 octets or not alone.</summary>
    Malformed = 3,
}

/// <summary>
/// Checks of the three RADIUS integrity fields. Every comparison is constant-time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>) so that a forger learns nothing from response timing.
/// </summary>
[SuppressMessage("Security", "CA5351", Justification = "RFC 3579 §3.2 mandates HMAC-MD5 for Message-Authenticator.")]
public static class RadiusAuthenticators
{
    /// <summary>
    /// Checks Message-Authenticator (RFC 3579 §3.2): HMAC-MD5 keyed with the secret over the packet with the
    /// attribute's value zeroed and, in the Authenticator field: the packet's own (Access-Request, Status-Server),
    /// zeros (Accounting/Disconnect/CoA requests, RFC 5176 §3.3), or <paramref name="requestAuthenticator"/> (replies,
    /// which must pass the 16-octet Request Authenticator they answer).
    /// </summary>
    public static MessageAuthenticatorCheck VerifyMessageAuthenticator(
        ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret)
    {
        if (RadiusPacketReader.TryRead(datagram, out var reader) != ParseStatus.Ok)
        {
            return MessageAuthenticatorCheck.Malformed;
        }

        var at = FindMessageAuthenticator(ref reader);
        if (at < 0)
        {
            return at == -1 ? MessageAuthenticatorCheck.Missing : MessageAuthenticatorCheck.Malformed;
        }

        var packet = reader.Packet;
        var authenticator = reader.Code.AuthenticatorKind() switch
        {
            AuthenticatorKind.Random => packet.Slice(4, RadiusLimits.AuthenticatorLength),
            AuthenticatorKind.RequestHash => default,
            _ => requestAuthenticator,
        };
        if (reader.Code.AuthenticatorKind() == AuthenticatorKind.Response && requestAuthenticator.Length != RadiusLimits.AuthenticatorLength)
        {
            return MessageAuthenticatorCheck.Invalid;
        }

        Span<byte> expected = stackalloc byte[RadiusLimits.MessageAuthenticatorLength];
        ComputeMessageAuthenticator(packet, at, authenticator, secret, expected);
        return CryptographicOperations.FixedTimeEquals(expected, packet.Slice(at, RadiusLimits.MessageAuthenticatorLength))
            ? MessageAuthenticatorCheck.Valid
            : MessageAuthenticatorCheck.Invalid;
    }

    /// <summary>
    /// RFC 2866 §3 (and RFC 5176 §2.3 for Disconnect/CoA requests): the Request Authenticator must equal
    /// MD5(Code+ID+Length + 16 zero octets + Attributes + Secret). A request that fails is dropped silently.
    /// </summary>
    public static bool VerifyAccountingRequest(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> secret) =>
        RadiusPacketReader.TryRead(datagram, out var reader) == ParseStatus.Ok
        && reader.Code.AuthenticatorKind() == AuthenticatorKind.RequestHash
        && MatchesPacketMd5(reader.Packet, stackalloc byte[RadiusLimits.AuthenticatorLength], secret);

    /// <summary>
    /// RFC 2865 §3 (for clients and tests): a reply's Response Authenticator must equal
    /// MD5(Code+ID+Length + Request Authenticator + Attributes + Secret).
    /// </summary>
    public static bool VerifyResponse(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret) =>
        RadiusPacketReader.TryRead(datagram, out var reader) == ParseStatus.Ok
        && reader.Code.AuthenticatorKind() == AuthenticatorKind.Response
        && requestAuthenticator.Length == RadiusLimits.AuthenticatorLength
        && MatchesPacketMd5(reader.Packet, requestAuthenticator, secret);

    private static bool MatchesPacketMd5(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret)
    {
        Span<byte> expected = stackalloc byte[RadiusLimits.AuthenticatorLength];
        RadiusHash.PacketMd5(packet, authenticator, secret, expected);
        return CryptographicOperations.FixedTimeEquals(expected, packet.Slice(4, RadiusLimits.AuthenticatorLength));
    }

    /// <summary>
    /// The offset of the only Message-Authenticator value; -1 when there is none; -2 when the attributes do not
    /// parse, there are two (RFC 3579 §3.2 allows one), or its length is not 18.
    /// </summary>
    private static int FindMessageAuthenticator(ref RadiusPacketReader reader)
    {
        var found = -1;
        var packet = reader.Packet;
        while (!reader.IsAtEnd)
        {
            if (reader.TryReadAttribute(out var attribute) != ParseStatus.Ok)
            {
                return -2;
            }

            if (attribute.Type == RadiusAttributeType.MessageAuthenticator)
            {
                if (found >= 0 || attribute.Value.Length != RadiusLimits.MessageAuthenticatorLength)
                {
                    return -2;
                }

                packet.Overlaps(attribute.Value, out found);
            }
        }

        return found;
    }

    /// <summary>
    /// HMAC-MD5(secret, packet) with the value at <paramref name="valueOffset"/> zeroed and the Authenticator field
    /// replaced by <paramref name="authenticator"/> (empty: zeros). Shared by the checks and the writer.
    /// </summary>
    internal static void ComputeMessageAuthenticator(
        ReadOnlySpan<byte> packet, int valueOffset, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret, Span<byte> destination)
    {
        var rented = ArrayPool<byte>.Shared.Rent(packet.Length);
        try
        {
            var copy = rented.AsSpan(0, packet.Length);
            packet.CopyTo(copy);
            var field = copy.Slice(4, RadiusLimits.AuthenticatorLength);
            field.Clear();
            authenticator.CopyTo(field);
            copy.Slice(valueOffset, RadiusLimits.MessageAuthenticatorLength).Clear();
            HMACMD5.HashData(secret, copy, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
