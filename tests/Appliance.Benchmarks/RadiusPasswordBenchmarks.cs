using System.Security.Cryptography;
using Appliance.Radius.Users;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// The cost of one PAP/TTLS-PAP password check (issue 7): PBKDF2-HMAC-SHA256 at the user store's 100,000 iterations,
/// through the BCL (OpenSSL's generic HMAC per iteration) and through <c>Pbkdf2Sha256</c> (two SHA-256 compressions per
/// iteration from the precomputed pad states).
/// </summary>
public class RadiusPasswordBenchmarks
{
    private const int Iterations = 100_000;
    private readonly byte[] _password = "correct horse battery staple"u8.ToArray();
    private readonly byte[] _salt = RandomNumberGenerator.GetBytes(16);
    private readonly byte[] _derived = new byte[32];

    [Benchmark(Baseline = true)]
    public byte Bcl()
    {
        Rfc2898DeriveBytes.Pbkdf2(_password, _salt, _derived, Iterations, HashAlgorithmName.SHA256);
        return _derived[0];
    }

    [Benchmark]
    public byte PrecomputedPads()
    {
        Pbkdf2Sha256.Derive(_password, _salt, Iterations, _derived);
        return _derived[0];
    }
}
