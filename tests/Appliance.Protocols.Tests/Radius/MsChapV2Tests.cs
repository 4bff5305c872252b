using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Appliance.Protocols.Radius;

namespace Appliance.Protocols.Tests.Radius;

/// <summary>
/// MD4, DES and MS-CHAPv2 against the published vectors. The RFC 2759 §9.2 values below were also recomputed
/// outside .NET (OpenSSL 3's legacy-provider MD4 and DES-ECB, Python's SHA-1), step by step, and each step matched.
/// </summary>
[SuppressMessage("Security", "CA5351", Justification = "The BCL's DES is the reference our MSCHAPv2 DES is checked against.")]
public class MsChapV2Tests
{
    internal static readonly byte[] UserName = "User"u8.ToArray();
    internal const string Password = "clientPass";
    internal static readonly byte[] AuthenticatorChallenge = Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628");
    internal static readonly byte[] PeerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
    internal static readonly byte[] NtPasswordHash = Convert.FromHexString("44EBBA8D5312B8D611474411F56989AE");
    internal static readonly byte[] NtResponse = Convert.FromHexString("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    internal const string AuthenticatorResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    [Theory]   // RFC 1320 appendix A.5, the whole test suite
    [InlineData("", "31d6cfe0d16ae931b73c59d7e0c089c0")]
    [InlineData("a", "bde52cb31de33e46245e05fbdbd6fb24")]
    [InlineData("abc", "a448017aaf21d8525fc10ae87aa6729d")]
    [InlineData("message digest", "d9130a8164549fe818874806e1c7014b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536")]
    public void Md4_Rfc1320Suite_Matches(string message, string expected)
    {
        var hash = new byte[Md4.HashSize];
        Md4.HashData(Encoding.ASCII.GetBytes(message), hash);
        Assert.Equal(expected, Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Md4_EveryLengthAroundTheBlockEdges_IsStableAndDistinct()
    {
        // Lengths 0..200 cross the one-block/two-block padding split (55/56) and whole blocks (64, 128).
        var seen = new HashSet<string>();
        var data = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        for (var length = 0; length <= data.Length; length++)
        {
            var hash = new byte[Md4.HashSize + 4];
            Md4.HashData(data.AsSpan(0, length), hash);
            Assert.Equal(new byte[4], hash[Md4.HashSize..]);   // writes exactly 16 octets
            Assert.True(seen.Add(Convert.ToHexString(hash)), $"length {length} collides");
        }
    }

    [Fact]
    public void Md4_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => Md4.HashData("abc"u8, new byte[15]));
    }

    [Fact]
    public void DesBlock_MatchesTheBclOnRandomKeys()
    {
        var random = new Random(20_260_401);
        using var des = DES.Create();
        var key7 = new byte[7];
        var block = new byte[8];
        var ours = new byte[8];
        var compared = 0;
        for (var i = 0; i < 3000; i++)
        {
            random.NextBytes(key7);
            random.NextBytes(block);
            var key8 = ExpandKey(key7);
            if (DES.IsWeakKey(key8) || DES.IsSemiWeakKey(key8))
            {
                continue;
            }

            des.Key = key8;
            DesBlock.Encrypt(key7, block, ours);
            Assert.Equal(des.EncryptEcb(block, PaddingMode.None), ours);
            compared++;
        }

        Assert.True(compared > 2900);
    }

    [Fact]
    public void DesBlock_AllZeroKey_EncryptsWhereTheBclRefuses()
    {
        // The all-zero 7-octet key is MSCHAPv2's third key whenever NT hash octets 14-15 are zero.
        using var des = DES.Create();
        Assert.Throws<CryptographicException>(() => des.Key = ExpandKey(new byte[7]));

        var cipher = new byte[8];
        DesBlock.Encrypt(new byte[7], new byte[8], cipher);
        Assert.Equal("8CA64DE9C1B123A7", Convert.ToHexString(cipher));   // the classic DES(0, 0) known answer
    }

    [Fact]
    public void Rfc2759_9_2_EveryStepMatches()
    {
        var hash = new byte[16];
        MsChapV2.NtPasswordHash(Password, hash);
        Assert.Equal(NtPasswordHash, hash);

        var hashHash = new byte[16];
        MsChapV2.HashNtPasswordHash(hash, hashHash);
        Assert.Equal("41C00C584BD2D91C4017A2A12FA59F3F", Convert.ToHexString(hashHash));

        var challenge = new byte[8];
        MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName, challenge);
        Assert.Equal("D02E4386BCE91226", Convert.ToHexString(challenge));

        var response = new byte[24];
        MsChapV2.ChallengeResponse(challenge, hash, response);
        Assert.Equal(NtResponse, response);
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, hash, response);
        Assert.Equal(NtResponse, response);

        var authenticator = new byte[MsChapV2.AuthenticatorResponseLength];
        MsChapV2.GenerateAuthenticatorResponse(hash, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, authenticator);
        Assert.Equal(AuthenticatorResponse, Encoding.ASCII.GetString(authenticator));
    }

    [Fact]
    public void VerifyNtResponse_RightAndWrong()
    {
        Assert.True(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, NtPasswordHash, NtResponse));

        for (var i = 0; i < NtResponse.Length; i++)
        {
            var wrong = (byte[])NtResponse.Clone();
            wrong[i] ^= 0x01;
            Assert.False(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, NtPasswordHash, wrong));
        }

        Assert.False(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, NtPasswordHash, NtResponse.AsSpan(0, 23)));
        Assert.False(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, "user"u8, NtPasswordHash, NtResponse));
        var otherHash = new byte[16];
        MsChapV2.NtPasswordHash("clientPasS", otherHash);
        Assert.False(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, otherHash, NtResponse));
    }

    [Theory]
    [InlineData("SCHOOL\\User")]
    [InlineData("\\User")]
    [InlineData("User")]
    public void VerifyNtResponse_DomainPrefix_IsLeftOutOfTheHash(string presented)
    {
        Assert.True(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, Encoding.ASCII.GetBytes(presented), NtPasswordHash, NtResponse));
    }

    [Fact]
    public void UserNameWithoutDomain_CutsAtTheFirstBackslashOnly()
    {
        Assert.Equal("b\\c"u8, MsChapV2.UserNameWithoutDomain("a\\b\\c"u8));
        Assert.Equal("alice@school.example"u8, MsChapV2.UserNameWithoutDomain("alice@school.example"u8));
    }

    [Fact]
    public void NtHashWithZeroTail_UsesTheWeakDesKeyAndStillVerifies()
    {
        // A hash ending in 00 00 makes the third DES key all zero; the response must still round-trip.
        var hash = Convert.FromHexString("0123456789ABCDEFFEDCBA9876540000");
        var response = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, hash, response);

        var challenge = new byte[8];
        MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName, challenge);
        var third = new byte[8];
        DesBlock.Encrypt(new byte[7], challenge, third);
        Assert.Equal(third, response[16..]);
        Assert.True(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, hash, response));
    }

    [Fact]
    public void VerifyAndAuthenticatorResponse_AllocateNothing()
    {
        var authenticator = new byte[MsChapV2.AuthenticatorResponseLength];
        void Login()
        {
            Assert.True(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, PeerChallenge, UserName, NtPasswordHash, NtResponse));
            MsChapV2.GenerateAuthenticatorResponse(NtPasswordHash, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, authenticator);
        }

        Login();   // warm up (JIT, OpenSSL's SHA-1 context)
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            Login();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void WrongFixedLengths_Throw()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeHash(new byte[15], AuthenticatorChallenge, UserName, buffer));
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeResponse(new byte[8], new byte[15], buffer));
        Assert.Throws<ArgumentException>(() => MsChapV2.GenerateAuthenticatorResponse(NtPasswordHash, NtResponse, PeerChallenge, AuthenticatorChallenge, UserName, new byte[41]));
        Assert.Throws<ArgumentException>(() => MsChapV2.NtPasswordHash(new string('x', 257), buffer));
    }

    /// <summary>RFC 2759 §8.6's 7-to-8 octet spread (parity bits left zero; DES ignores them).</summary>
    private static byte[] ExpandKey(ReadOnlySpan<byte> key7)
    {
        ulong bits = 0;
        foreach (var octet in key7)
        {
            bits = (bits << 8) | octet;
        }

        var key8 = new byte[8];
        for (var i = 0; i < 8; i++)
        {
            key8[i] = (byte)(((bits >> (49 - (7 * i))) & 0x7F) << 1);
        }

        return key8;
    }
}
