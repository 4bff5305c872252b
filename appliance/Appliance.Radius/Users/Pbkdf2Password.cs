using System.Security.Cryptography;

namespace Appliance.Radius.Users;

/// <summary>
/// The slow hash PAP and TTLS-PAP are checked against: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with a 16-octet random salt
/// and a 32-octet output. The algorithm name and iteration count are stored with each hash, so the cost can be
/// raised later and old hashes still verify (and are re-hashed at the next successful login).
/// </summary>
internal static class Pbkdf2Password
{
    public const string Algorithm = "pbkdf2-sha256";
    public const int DefaultIterations = 100_000;
    public const int SaltLength = 16;
    public const int HashLength = 32;

    /// <summary>A stored hash: what was used, and the result.</summary>
    public sealed record Hash(string Algorithm, int Iterations, byte[] Salt, byte[] Value);

    public static Hash Create(ReadOnlySpan<byte> password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var value = new byte[HashLength];
        Pbkdf2Sha256.Derive(password, salt, iterations, value);
        return new Hash(Algorithm, iterations, salt, value);
    }

    public static Hash Create(string password, int iterations) => Create(System.Text.Encoding.UTF8.GetBytes(password), iterations);

    /// <summary>Constant-time comparison of the derived key; an unknown algorithm never verifies.</summary>
    public static bool Verify(ReadOnlySpan<byte> password, Hash stored)
    {
        if (stored.Algorithm != Algorithm || stored.Iterations <= 0 || stored.Value.Length != HashLength)
        {
            return false;
        }

        Span<byte> derived = stackalloc byte[HashLength];
        Pbkdf2Sha256.Derive(password, stored.Salt, stored.Iterations, derived);
        var equal = CryptographicOperations.FixedTimeEquals(derived, stored.Value);
        CryptographicOperations.ZeroMemory(derived);
        return equal;
    }

    /// <summary>
    /// The hash an unknown user is "checked" against, so that an unknown name costs as long as a wrong password and
    /// the reply's timing does not tell which names exist.
    /// </summary>
    public static Hash Decoy(int iterations) => new(Algorithm, iterations, new byte[SaltLength], new byte[HashLength]);
}
