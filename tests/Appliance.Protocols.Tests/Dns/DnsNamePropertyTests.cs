using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>
/// Properties over random valid names. The seed is fixed so that a failure names an iteration that reproduces.
/// </summary>
public class DnsNamePropertyTests
{
    private const int Seed = 0x0D15_EA5E;
    private const int Iterations = 5_000;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

    [Fact]
    public void TryExpand_RandomEncodedNames_RoundTripPlainAndCompressed()
    {
        var random = new Random(Seed);
        var wire = new byte[DnsLimits.MaxNameLength + 1];
        var expanded = new byte[DnsLimits.MaxNameLength];
        var sawFullLength = false;

        for (var i = 0; i < Iterations; i++)
        {
            var labels = RandomLabels(random);
            var name = string.Join('.', labels);
            Assert.True(DnsName.TryEncode(name, wire, out var length), $"iteration {i}: {name}");
            Assert.Equal(labels.Sum(l => l.Length + 1) + 1, length);
            sawFullLength |= length == DnsLimits.MaxNameLength;
            var expected = wire[..length];

            // Uncompressed, right after a header.
            var plain = new byte[DnsLimits.HeaderLength + length];
            expected.CopyTo(plain, DnsLimits.HeaderLength);
            Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(plain, DnsLimits.HeaderLength, expanded, out var consumed, out var written));
            Assert.Equal(length, consumed);
            Assert.Equal(expected, expanded[..written]);

            // Compressed: the suffix from a random label on sits first; the prefix follows and points back at it.
            var split = random.Next(labels.Length + 1);
            var prefixLength = labels.Take(split).Sum(l => l.Length + 1);
            var compressed = new byte[DnsLimits.HeaderLength + (length - prefixLength) + prefixLength + 2];
            expected.AsSpan(prefixLength).CopyTo(compressed.AsSpan(DnsLimits.HeaderLength));
            var prefixAt = DnsLimits.HeaderLength + length - prefixLength;
            expected.AsSpan(0, prefixLength).CopyTo(compressed.AsSpan(prefixAt));
            compressed[^2] = 0xC0 | (DnsLimits.HeaderLength >> 8);
            compressed[^1] = DnsLimits.HeaderLength;

            Assert.Equal(ParseStatus.Ok, DnsName.TryMeasure(compressed, prefixAt, out consumed, out var measured));
            Assert.Equal(prefixLength + 2, consumed);
            Assert.Equal(length, measured);
            Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(compressed, prefixAt, expanded, out _, out written));
            Assert.Equal(expected, expanded[..written]);
        }

        Assert.True(sawFullLength, "the generator never produced a 255-byte name");
    }

    [Fact]
    public void ToDisplayString_RandomEncodedNames_IsInputWithTrailingDot()
    {
        var random = new Random(Seed + 1);
        var wire = new byte[DnsLimits.MaxNameLength + 1];

        for (var i = 0; i < Iterations; i++)
        {
            var name = string.Join('.', RandomLabels(random));
            var input = random.Next(2) == 0 ? name : name + ".";
            Assert.True(DnsName.TryEncode(input, wire, out var length));

            Assert.Equal(name + ".", DnsName.ToDisplayString(wire.AsSpan(0, length)));
        }
    }

    [Fact]
    public void EqualsIgnoreCase_RandomEncodedNames_IgnoresAsciiCaseOnly()
    {
        var random = new Random(Seed + 2);
        var wire = new byte[DnsLimits.MaxNameLength + 1];
        var sawLetterChange = false;

        for (var i = 0; i < Iterations; i++)
        {
            Assert.True(DnsName.TryEncode(string.Join('.', RandomLabels(random)), wire, out var length));
            var name = wire[..length];

            // Any mix of upper and lower case is the same name, and ToLowerInPlace folds it to one form.
            var mixed = name.ToArray();
            var lower = name.ToArray();
            foreach (var at in LabelBytes(name))
            {
                if (char.IsAsciiLetter((char)name[at]))
                {
                    mixed[at] = random.Next(2) == 0 ? (byte)(name[at] ^ 0x20) : name[at];
                    lower[at] = (byte)(name[at] | 0x20);
                }
            }

            Assert.True(DnsName.EqualsIgnoreCase(name, mixed), $"iteration {i}");
            Assert.True(DnsName.EqualsIgnoreCase(mixed, name), $"iteration {i}");
            DnsName.ToLowerInPlace(mixed);
            Assert.Equal(lower, mixed);

            // Any other change to one byte of a label, including the case bit of a non-letter, is a different name.
            var changed = name.ToArray();
            var position = LabelBytes(name).ElementAt(random.Next(length - LabelCount(name) - 1));
            var original = changed[position];
            byte replacement;
            do
            {
                replacement = random.Next(4) == 0 ? (byte)(original ^ 0x20) : (byte)random.Next(1, 256);
            }
            while (AsciiLower(replacement) == AsciiLower(original));

            sawLetterChange |= char.IsAsciiLetter((char)original) && char.IsAsciiLetter((char)replacement);
            changed[position] = replacement;
            Assert.False(DnsName.EqualsIgnoreCase(name, changed), $"iteration {i}: {original:x2} -> {replacement:x2}");
            Assert.False(DnsName.EqualsIgnoreCase(changed, name), $"iteration {i}: {original:x2} -> {replacement:x2}");
        }

        Assert.True(sawLetterChange, "the generator never swapped one letter for another");
    }

    private static byte AsciiLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;

    /// <summary>Offsets of the label bytes (not the length bytes) of an uncompressed wire name.</summary>
    private static IEnumerable<int> LabelBytes(byte[] wire)
    {
        for (var at = 0; wire[at] != 0; at += wire[at] + 1)
        {
            for (var j = 1; j <= wire[at]; j++)
            {
                yield return at + j;
            }
        }
    }

    private static int LabelCount(byte[] wire)
    {
        var count = 0;
        for (var at = 0; wire[at] != 0; at += wire[at] + 1)
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// One to many labels of 1..63 letters, digits, '-' and '_' whose wire form fits in 255 bytes. One name in
    /// four is filled right up to 255 bytes so that the limit itself is exercised.
    /// </summary>
    private static string[] RandomLabels(Random random)
    {
        var fill = random.Next(4) == 0;
        var budget = DnsLimits.MaxNameLength - 1;   // the root's zero byte
        var labels = new List<string>();
        do
        {
            var maxLength = Math.Min(DnsLimits.MaxLabelLength, budget - 1);
            var labelLength = fill && budget - 1 <= DnsLimits.MaxLabelLength ? budget - 1 : random.Next(1, maxLength + 1);
            var chars = new char[labelLength];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            labels.Add(new string(chars));
            budget -= labelLength + 1;
        }
        while (budget >= 2 && (fill || random.Next(3) != 0));

        return [.. labels];
    }
}
