using System.Security.Cryptography;
using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users;

public sealed class Pbkdf2Sha256Tests
{
    [Theory]   // RFC 7914 §11: PBKDF2-HMAC-SHA256 test vectors
    [InlineData("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    [InlineData("Password", "NaCl", 80000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")]
    public void Matches_RFC_7914(string password, string salt, int iterations, string expected)
    {
        Assert.True(Pbkdf2Sha256.UsesNative, "libcrypto's SHA256_Transform should be found on Debian 12");
        var derived = new byte[64];

        Pbkdf2Sha256.Derive(System.Text.Encoding.ASCII.GetBytes(password), System.Text.Encoding.ASCII.GetBytes(salt), iterations, derived);

        Assert.Equal(expected, Convert.ToHexStringLower(derived));
    }

    [Fact]
    public void Agrees_with_the_BCL_for_random_passwords_salts_lengths_and_counts()
    {
        var random = new Random(7914);
        for (var i = 0; i < 200; i++)
        {
            var password = new byte[random.Next(0, 150)];   // empty, one block, longer than the block (hashed first)
            var salt = new byte[random.Next(0, 40)];
            random.NextBytes(password);
            random.NextBytes(salt);
            var iterations = random.Next(1, 300);
            var length = random.Next(1, 100);
            var ours = new byte[length];
            var theirs = new byte[length];

            Pbkdf2Sha256.Derive(password, salt, iterations, ours);
            Rfc2898DeriveBytes.Pbkdf2(password, salt, theirs, iterations, HashAlgorithmName.SHA256);

            Assert.Equal(theirs, ours);
        }
    }
}
