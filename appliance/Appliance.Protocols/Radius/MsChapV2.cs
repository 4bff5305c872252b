using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Appliance.Protocols.Radius;

/// <summary>
/// The MS-CHAPv2 computations of RFC 2759 §8, from the authenticator's side. Everything works from the NT password
/// hash (MD4 of the UTF-16LE password, §8.3), because that is what the user store keeps and hands out only inside a
/// check; <see cref="NtPasswordHash"/> exists for the store and the tests. Argument lengths are fixed by the RFC, so a
/// wrong one is a programming error and throws; the wire codecs check peer-supplied lengths before calling in here.
/// </summary>
[SuppressMessage("Security", "CA5350", Justification = "RFC 2759 §8.2 and §8.7 define the challenge hash and authenticator response with SHA-1.")]
public static class MsChapV2
{
    public const int ChallengeLength = 16;
    public const int NtResponseLength = 24;
    public const int ChallengeHashLength = 8;

    /// <summary>"S=" and 40 upper-case hex digits (RFC 2759 §8.7).</summary>
    public const int AuthenticatorResponseLength = 42;

    /// <summary>RFC 2759 §8.1: "IN 0-to-256-unicode-char Password".</summary>
    public const int MaxPasswordLength = 256;

    private const int Sha1Length = 20;
    private const int StackLimit = 512;

    /// <summary>NtPasswordHash (RFC 2759 §8.3): MD4 of the password as UTF-16 little-endian, no terminator.</summary>
    /// <exception cref="ArgumentException">More than 256 characters, or a destination under 16 octets.</exception>
    public static void NtPasswordHash(ReadOnlySpan<char> password, Span<byte> destination)
    {
        if (password.Length > MaxPasswordLength)
        {
            ThrowArgument(nameof(password), "RFC 2759 allows at most 256 characters.");
        }

        Span<byte> unicode = stackalloc byte[2 * MaxPasswordLength];
        unicode = unicode[..(2 * password.Length)];
        for (var i = 0; i < password.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(unicode[(2 * i)..], password[i]);
        }

        Md4.HashData(unicode, destination);
        CryptographicOperations.ZeroMemory(unicode);
    }

    /// <summary>HashNtPasswordHash (RFC 2759 §8.4): MD4 of the NT hash, which the authenticator response is built on.</summary>
    public static void HashNtPasswordHash(ReadOnlySpan<byte> ntPasswordHash, Span<byte> destination)
    {
        RequireLength(ntPasswordHash, Md4.HashSize, nameof(ntPasswordHash));
        Md4.HashData(ntPasswordHash, destination);
    }

    /// <summary>
    /// The name that enters the hashes. RFC 2759 §8.2: "Only the user name (as presented by the peer and excluding any
    /// prepended domain name) is used". A "DOMAIN\user" name loses everything up to the first backslash, as hostapd
    /// and FreeRADIUS do (Windows sends the domain when the account is a domain account).
    /// </summary>
    public static ReadOnlySpan<byte> UserNameWithoutDomain(ReadOnlySpan<byte> userName)
    {
        var backslash = userName.IndexOf((byte)'\\');
        return backslash < 0 ? userName : userName[(backslash + 1)..];
    }

    /// <summary>
    /// ChallengeHash (RFC 2759 §8.2): the first 8 octets of SHA1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName).
    /// The domain is stripped here (<see cref="UserNameWithoutDomain"/>), so callers pass the name as received.
    /// </summary>
    public static void ChallengeHash(
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName, Span<byte> destination)
    {
        RequireLength(peerChallenge, ChallengeLength, nameof(peerChallenge));
        RequireLength(authenticatorChallenge, ChallengeLength, nameof(authenticatorChallenge));
        RequireRoom(destination, ChallengeHashLength);
        Span<byte> digest = stackalloc byte[Sha1Length];
        Sha1(peerChallenge, authenticatorChallenge, UserNameWithoutDomain(userName), digest);
        digest[..ChallengeHashLength].CopyTo(destination);
    }

    /// <summary>
    /// ChallengeResponse (RFC 2759 §8.5): the NT hash padded with five zero octets to 21, cut into three 7-octet DES keys,
    /// each encrypting the 8-octet challenge; the three ciphertexts are the 24-octet response.
    /// </summary>
    public static void ChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> ntPasswordHash, Span<byte> response)
    {
        RequireLength(challenge, ChallengeHashLength, nameof(challenge));
        RequireLength(ntPasswordHash, Md4.HashSize, nameof(ntPasswordHash));
        RequireRoom(response, NtResponseLength);
        Span<byte> zPasswordHash = stackalloc byte[21];
        zPasswordHash.Clear();
        ntPasswordHash.CopyTo(zPasswordHash);
        for (var i = 0; i < 3; i++)
        {
            DesBlock.Encrypt(zPasswordHash.Slice(7 * i, 7), challenge, response.Slice(8 * i, 8));
        }

        CryptographicOperations.ZeroMemory(zPasswordHash);
    }

    /// <summary>GenerateNTResponse (RFC 2759 §8.1), from the NT hash instead of the password.</summary>
    public static void GenerateNtResponse(
        ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> userName,
        ReadOnlySpan<byte> ntPasswordHash, Span<byte> destination)
    {
        Span<byte> challenge = stackalloc byte[ChallengeHashLength];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        ChallengeResponse(challenge, ntPasswordHash, destination);
    }

    /// <summary>
    /// Whether the peer's NT-Response proves knowledge of the password. The comparison takes the same time wherever the
    /// first difference is, so a peer cannot learn the expected response octet by octet. A response that is not 24
    /// octets is simply wrong.
    /// </summary>
    public static bool VerifyNtResponse(
        ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> userName,
        ReadOnlySpan<byte> ntPasswordHash, ReadOnlySpan<byte> ntResponse)
    {
        Span<byte> expected = stackalloc byte[NtResponseLength];
        GenerateNtResponse(authenticatorChallenge, peerChallenge, userName, ntPasswordHash, expected);
        var match = ntResponse.Length == NtResponseLength && CryptographicOperations.FixedTimeEquals(expected, ntResponse);
        CryptographicOperations.ZeroMemory(expected);
        return match;
    }

    /// <summary>
    /// GenerateAuthenticatorResponse (RFC 2759 §8.7), from the NT hash: writes the 42 ASCII octets
    /// "S=" + 40 upper-case hex digits of SHA1(SHA1(PasswordHashHash ‖ NT-Response ‖ Magic1) ‖ ChallengeHash ‖ Magic2).
    /// The peer checks it to know the server holds its password too (mutual authentication).
    /// </summary>
    public static void GenerateAuthenticatorResponse(
        ReadOnlySpan<byte> ntPasswordHash, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> peerChallenge,
        ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName, Span<byte> destination)
    {
        RequireLength(ntResponse, NtResponseLength, nameof(ntResponse));
        RequireRoom(destination, AuthenticatorResponseLength);
        Span<byte> passwordHashHash = stackalloc byte[Md4.HashSize];
        HashNtPasswordHash(ntPasswordHash, passwordHashHash);

        Span<byte> digest = stackalloc byte[Sha1Length];
        Sha1(passwordHashHash, ntResponse, "Magic server to client signing constant"u8, digest);
        Span<byte> challenge = stackalloc byte[ChallengeHashLength];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        Sha1(digest, challenge, "Pad to make it do more than one iteration"u8, digest);
        CryptographicOperations.ZeroMemory(passwordHashHash);
        destination[0] = (byte)'S';
        destination[1] = (byte)'=';
        WriteUpperHex(digest, destination[2..]);
    }

    /// <summary>Upper-case hex, as §8.7 requires ("each byte ... as a two-character hex number, upper case").</summary>
    internal static void WriteUpperHex(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        for (var i = 0; i < value.Length; i++)
        {
            destination[2 * i] = (byte)"0123456789ABCDEF"[value[i] >> 4];
            destination[(2 * i) + 1] = (byte)"0123456789ABCDEF"[value[i] & 0xF];
        }
    }

    /// <summary>SHA1(a ‖ b ‖ c) without allocating: the pieces are joined on the stack (pooled only for absurd user names).</summary>
    private static void Sha1(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> destination)
    {
        var total = a.Length + b.Length + c.Length;
        byte[]? rented = total > StackLimit ? ArrayPool<byte>.Shared.Rent(total) : null;
        var joined = rented is null ? stackalloc byte[StackLimit] : rented;
        a.CopyTo(joined);
        b.CopyTo(joined[a.Length..]);
        c.CopyTo(joined[(a.Length + b.Length)..]);
        SHA1.HashData(joined[..total], destination);
        joined[..total].Clear();
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            ThrowArgument(name, $"RFC 2759 fixes this at {length} octets.");
        }
    }

    private static void RequireRoom(Span<byte> destination, int length)
    {
        if (destination.Length < length)
        {
            ThrowArgument(nameof(destination), $"The destination must hold {length} octets.");
        }
    }

    [DoesNotReturn]
    private static void ThrowArgument(string name, string message) => throw new ArgumentException(message, name);
}
