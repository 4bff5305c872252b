using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>
/// Hostile and edge-case names (RFC 1035 §2.3.4, §3.1, §4.1.4). Each case sits in a message behind a 12-byte
/// header whose bytes are all zero, so a pointer into the header would find a "valid" root name there if the
/// reader let it.
/// </summary>
public class DnsNameTests
{
    private const string Header = "0000 0000 0000 0000 0000 0000";

    [Theory]
    [InlineData("c00c", 12)]                     // @12 points at itself
    [InlineData("c00e c00c", 12)]                // @12 -> @14 -> @12: forward, then a loop
    [InlineData("c00e c00c", 14)]                // @14 -> @12 -> @14: backward once, then a loop
    [InlineData("01 61 c00c", 12)]               // a label, then a pointer back to the start of its own name
    [InlineData("01 61 c00e", 12)]               // a pointer to itself after a label
    [InlineData("c00e 00", 12)]                  // forward pointer to a perfectly good root name
    [InlineData("00 c00f 00", 13)]               // @13 forward to @15, a valid root name
    [InlineData("c000", 12)]                     // into the header: @0 is a zero byte
    [InlineData("c004", 12)]                     // into the header counts
    [InlineData("c00b", 12)]                     // the last header byte
    public void TryMeasure_PointerLoopOrForwardOrIntoHeader_IsMalformed(string name, int offset)
    {
        AssertName(DnsVectors.FromHex(Header + name), offset, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_BackwardPointerToRoot_IsOk()
    {
        // The legal counterpart of the cases above: @13 points back at the root name @12.
        AssertName(DnsVectors.FromHex(Header + "00 c00c"), 13, ParseStatus.Ok, expectedConsumed: 2, expectedExpanded: 1);
    }

    [Fact]
    public void TryMeasure_HopChainOfMaxPointerHops_IsOk()
    {
        var (message, last) = HopChain(DnsLimits.MaxPointerHops);

        AssertName(message, last, ParseStatus.Ok, expectedConsumed: 4, expectedExpanded: (2 * DnsLimits.MaxPointerHops) + 1);
    }

    [Fact]
    public void TryMeasure_HopChainLongerThanMaxPointerHops_IsMalformed()
    {
        var (message, last) = HopChain(DnsLimits.MaxPointerHops + 1);

        AssertName(message, last, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_PointerToPointerChainLongerThanMaxPointerHops_IsMalformed()
    {
        // @12 root, then 33 bare pointers each pointing at the one before: 0 labels, 33 hops.
        var hex = Header + "00";
        var target = 12;
        for (var i = 0; i <= DnsLimits.MaxPointerHops; i++)
        {
            hex += $"{0xC000 | target:x4}";
            target = i == 0 ? 13 : target + 2;
        }

        var message = DnsVectors.FromHex(hex);
        var last = message.Length - 2;

        AssertName(message, last, ParseStatus.Malformed);
        AssertName(message, last - 2, ParseStatus.Ok, expectedConsumed: 2, expectedExpanded: 1);   // 32 hops
    }

    [Fact]
    public void TryMeasure_Exactly255Bytes_IsOk()
    {
        // 63 + 63 + 63 + 61-byte labels: 4 length bytes + 250 + the root = 255.
        var message = DnsVectors.FromHex(Header + Labels(63, 63, 63, 61) + "00");

        AssertName(message, 12, ParseStatus.Ok, expectedConsumed: 255, expectedExpanded: 255);
    }

    [Fact]
    public void TryMeasure_256Bytes_IsMalformed()
    {
        var message = DnsVectors.FromHex(Header + Labels(63, 63, 63, 62) + "00");

        AssertName(message, 12, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_127OneByteLabels_IsOkAnd128IsMalformed()
    {
        var ok = DnsVectors.FromHex(Header + string.Concat(Enumerable.Repeat("0161", 127)) + "00");
        var tooLong = DnsVectors.FromHex(Header + string.Concat(Enumerable.Repeat("0161", 128)) + "00");

        AssertName(ok, 12, ParseStatus.Ok, expectedConsumed: 255, expectedExpanded: 255);
        AssertName(tooLong, 12, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_TooLongOnlyAfterFollowingPointers_IsMalformed()
    {
        // @12 a 193-byte name; @205 a 63-byte label then a pointer to @12: 64 + 193 = 257 expanded bytes,
        // though only 66 of them sit at @205. A compressed name is limited by its expanded length (§2.3.4).
        var message = DnsVectors.FromHex(Header + Labels(63, 63, 63) + "00" + Labels(63) + "c00c");

        AssertName(message, 12, ParseStatus.Ok, expectedConsumed: 193, expectedExpanded: 193);
        AssertName(message, 205, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_255BytesOnlyAfterFollowingPointers_IsOk()
    {
        var message = DnsVectors.FromHex(Header + Labels(63, 63, 63) + "00" + Labels(61) + "c00c");

        AssertName(message, 205, ParseStatus.Ok, expectedConsumed: 64, expectedExpanded: 255);
    }

    [Fact]
    public void TryMeasure_TooLongAcrossTwoPointers_IsMalformed()
    {
        // @12 a 101-byte name; @113 100 bytes of labels then -> @12 (201 expanded); @215 a 55-byte label
        // then -> @113: 55 + 201 = 256. One byte less is exactly 255 and legal.
        var tooLong = DnsVectors.FromHex(Header + Labels(63, 35) + "00" + Labels(63, 35) + "c00c" + Labels(54) + "c071");
        var justFits = DnsVectors.FromHex(Header + Labels(63, 35) + "00" + Labels(63, 35) + "c00c" + Labels(53) + "c071");

        AssertName(tooLong, 113, ParseStatus.Ok, expectedConsumed: 102, expectedExpanded: 201);
        AssertName(tooLong, 215, ParseStatus.Malformed);
        AssertName(justFits, 215, ParseStatus.Ok, expectedConsumed: 56, expectedExpanded: 255);
    }

    [Fact]
    public void TryMeasure_63ByteLabel_IsOk()
    {
        var message = DnsVectors.FromHex(Header + Labels(63) + "00");

        AssertName(message, 12, ParseStatus.Ok, expectedConsumed: 65, expectedExpanded: 65);
    }

    [Theory]
    [InlineData(0x40)]   // 64: the 01 label type (RFC 6891 §5, extended label, deprecated)
    [InlineData(0x41)]
    [InlineData(0x7F)]
    [InlineData(0x80)]   // the 10 label type, reserved
    [InlineData(0xBF)]
    public void TryMeasure_LengthByteWithReservedTypeBits_IsMalformed(byte lengthByte)
    {
        // Enough bytes ('0', plain label type) follow that, read as a length, the name would otherwise be valid.
        var message = DnsVectors.FromHex(Header + lengthByte.ToString("x2") + string.Concat(Enumerable.Repeat("30", lengthByte)) + "00");

        AssertName(message, 12, ParseStatus.Malformed);
    }

    [Theory]
    [InlineData("", 12)]                   // offset at the end
    [InlineData("00", 13)]                 // offset past the end
    [InlineData("00", -1)]                 // negative offset
    [InlineData("03 7777", 12)]            // label cut short
    [InlineData("03 777777", 12)]          // label complete, no terminator
    [InlineData("03 777777 07 657861", 12)] // second label cut short
    [InlineData("00 c0", 13)]              // half a pointer
    [InlineData("3f", 12)]                 // a 63-byte label with no bytes
    public void TryMeasure_NameRunsPastEnd_IsMalformed(string name, int offset)
    {
        AssertName(DnsVectors.FromHex(Header + name), offset, ParseStatus.Malformed);
    }

    [Fact]
    public void TryMeasure_LegalBackwardChain_ReportsBytesAtOriginalPlace()
    {
        // @12 "com"; @17 "example" -> @12; @27 "www" -> @17: two hops, each target lower than the last.
        var message = DnsVectors.FromHex(Header + "03 636f6d 00" + "07 6578616d706c65 c00c" + "03 777777 c011");

        AssertName(message, 27, ParseStatus.Ok, expectedConsumed: 6, expectedExpanded: 17);
        Assert.Equal("www.example.com.", DnsMessageReaderTests.ExpandToString(message, 27));
    }

    [Fact]
    public void TryExpand_DestinationShorterThan255_IsMalformed()
    {
        var message = DnsVectors.FromHex(Header + "00");

        Assert.Equal(ParseStatus.Malformed, DnsName.TryExpand(message, 12, new byte[DnsLimits.MaxNameLength - 1], out _, out _));
        Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(message, 12, new byte[DnsLimits.MaxNameLength], out var consumed, out var written));
        Assert.Equal((1, 1), (consumed, written));
    }

    [Fact]
    public void TryExpand_CompressedName_WritesUncompressedCasePreserved()
    {
        var message = DnsVectors.FromHex(Header + "07 4578616d506c65 03 434f4d 00" + "03 577777 c00c");
        var destination = new byte[DnsLimits.MaxNameLength];

        Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(message, 25, destination, out var consumed, out var written));

        Assert.Equal(6, consumed);
        Assert.Equal("03577777074578616D506C6503434F4D00", Convert.ToHexString(destination, 0, written));
        Assert.Equal("Www.ExamPle.COM.", DnsName.ToDisplayString(destination.AsSpan(0, written)));
    }

    [Fact]
    public void ToLower_EveryByte_FoldsAsciiUpperCaseOnly()
    {
        for (var b = 0; b < 256; b++)
        {
            var expected = b is >= 'A' and <= 'Z' ? b + 32 : b;
            Assert.Equal((byte)expected, DnsName.ToLower((byte)b));
        }
    }

    [Fact]
    public void ToLowerInPlace_WireName_LowersLettersAndKeepsLengths()
    {
        var name = DnsVectors.FromHex("03 577757 07 4558414d504c45 03 434f4d 00");   // WwW.EXAMPLE.COM

        DnsName.ToLowerInPlace(name);

        Assert.Equal(DnsVectors.Wire("www.example.com"), name);
    }

    [Theory]
    [InlineData(0x40, 0x60)]   // @ and `
    [InlineData(0x5B, 0x7B)]   // [ and {
    [InlineData(0x5C, 0x7C)]   // \ and |
    [InlineData(0x5D, 0x7D)]   // ] and }
    [InlineData(0x5E, 0x7E)]   // ^ and ~
    [InlineData(0x5F, 0x7F)]   // _ and DEL
    [InlineData(0x2D, 0x0D)]   // - and CR
    [InlineData(0x30, 0x10)]   // 0 and DLE
    [InlineData(0xC4, 0xE4)]   // Latin-1 Ä and ä: RFC 4343 §3 folds ASCII only
    [InlineData(0xC9, 0xE9)]   // Latin-1 É and é
    public void EqualsIgnoreCase_BytesDifferingInCaseBitButNotLetters_AreDifferent(byte a, byte b)
    {
        byte[] left = [1, a, 0];
        byte[] right = [1, b, 0];

        Assert.False(DnsName.EqualsIgnoreCase(left, right));
        Assert.False(DnsName.EqualsIgnoreCase(right, left));
    }

    [Fact]
    public void EqualsIgnoreCase_DifferentLengths_AreDifferent()
    {
        Assert.False(DnsName.EqualsIgnoreCase(DnsVectors.Wire("example.com"), DnsVectors.Wire("example.co")));
        Assert.True(DnsName.EqualsIgnoreCase(DnsVectors.Wire("EXAMPLE.com"), DnsVectors.Wire("example.COM")));
    }

    [Theory]
    [InlineData("00", ".")]
    [InlineData("03 777777 07 6578616d706c65 03 636f6d 00", "www.example.com.")]
    [InlineData("03 612e62 00", "a\\046b.")]                 // a dot inside a label
    [InlineData("03 615c62 00", "a\\092b.")]                 // a backslash
    [InlineData("04 61206209 00", "a\\032b\\009.")]          // space and tab
    [InlineData("02 7fff 00", "\\127\\255.")]                // DEL and a high byte
    [InlineData("02 2a5f 00", "*_.")]                        // printable punctuation stays as is
    public void ToDisplayString_WireName_WritesPresentationForm(string wire, string expected)
    {
        Assert.Equal(expected, DnsName.ToDisplayString(DnsVectors.FromHex(wire)));
    }

    [Theory]
    [InlineData(".", "00")]
    [InlineData("", "00")]
    [InlineData("com", "03636f6d00")]
    [InlineData("Example.COM.", "074578616d706c6503434f4d00")]
    public void TryEncode_ValidName_WritesWireForm(string name, string expected)
    {
        var destination = new byte[256];

        Assert.True(DnsName.TryEncode(name, destination, out var written));

        Assert.Equal(expected.ToUpperInvariant(), Convert.ToHexString(destination, 0, written));
    }

    [Theory]
    [InlineData("a..b")]        // empty label
    [InlineData(".a")]          // empty first label
    [InlineData("..")]
    [InlineData("ex\u00e4mple.com")] // raw Unicode; IDNs arrive as A-labels
    public void TryEncode_InvalidName_ReturnsFalse(string name)
    {
        Assert.False(DnsName.TryEncode(name, new byte[256], out _));
    }

    [Fact]
    public void TryEncode_LabelOf64_ReturnsFalseAnd63IsOk()
    {
        Assert.False(DnsName.TryEncode(new string('a', 64) + ".com", new byte[256], out _));
        Assert.True(DnsName.TryEncode(new string('a', 63) + ".com", new byte[256], out var written));
        Assert.Equal(1 + 63 + 1 + 3 + 1, written);
    }

    [Fact]
    public void TryEncode_NameOf256_ReturnsFalseAnd255IsOk()
    {
        var labels = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63));

        Assert.True(DnsName.TryEncode(labels + "." + new string('d', 61), new byte[256], out var written));
        Assert.Equal(255, written);
        Assert.False(DnsName.TryEncode(labels + "." + new string('d', 62), new byte[512], out _));
    }

    [Fact]
    public void TryEncode_DestinationTooSmall_ReturnsFalse()
    {
        Assert.False(DnsName.TryEncode("www.example.com", new byte[16], out _));
        Assert.True(DnsName.TryEncode("www.example.com", new byte[17], out var written));
        Assert.Equal(17, written);
        Assert.False(DnsName.TryEncode(".", [], out _));
    }

    /// <summary>Checks TryMeasure, TryExpand and, at @12, the reader's ReadQuestion agree on the name at <paramref name="offset"/>.</summary>
    private static void AssertName(byte[] message, int offset, ParseStatus expected, int expectedConsumed = -1, int expectedExpanded = -1)
    {
        Assert.Equal(expected, DnsName.TryMeasure(message, offset, out var consumed, out var expanded));

        var destination = new byte[DnsLimits.MaxNameLength];
        Assert.Equal(expected, DnsName.TryExpand(message, offset, destination, out var expandConsumed, out var written));

        if (expected == ParseStatus.Ok)
        {
            Assert.Equal(expectedConsumed, consumed);
            Assert.Equal(expectedExpanded, expanded);
            Assert.Equal(consumed, expandConsumed);
            Assert.Equal(expanded, written);
            Assert.Equal(0, destination[written - 1]);
        }

        // The reader reads a question at @12 and must agree. A valid name gets QTYPE and QCLASS (zeros) right
        // after it; an invalid one gets nothing appended, since zeros could complete a name that runs past the end.
        if (offset == DnsLimits.HeaderLength)
        {
            var question = expected == ParseStatus.Ok ? new byte[offset + consumed + 4] : new byte[message.Length];
            message.AsSpan(0, question.Length - (expected == ParseStatus.Ok ? 4 : 0)).CopyTo(question);
            var reader = new DnsMessageReader(question);
            Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));

            Assert.Equal(expected, reader.ReadQuestion(out var read));

            if (expected == ParseStatus.Ok)
            {
                Assert.Equal(new DnsQuestion(offset, consumed, expanded, 0, 0), read);
                Assert.Equal(question.Length, reader.Position);
            }
            else
            {
                Assert.Equal(DnsLimits.HeaderLength, reader.Position);
            }
        }
    }

    /// <summary>"xx" hex for labels of the given lengths, filled with 'a'.</summary>
    private static string Labels(params int[] lengths)
        => string.Concat(lengths.Select(n => n.ToString("x2") + string.Concat(Enumerable.Repeat("61", n))));

    /// <summary>
    /// @12 the root; then <paramref name="hops"/> names, each one "a" label and a pointer to the name before, so
    /// the last one needs exactly that many hops and expands to 2·hops + 1 bytes.
    /// </summary>
    private static (byte[] Message, int Last) HopChain(int hops)
    {
        var hex = Header + "00";
        var previous = 12;
        var at = 13;
        for (var i = 0; i < hops; i++)
        {
            hex += $"01 61 {0xC000 | previous:x4}";
            previous = at;
            at += 4;
        }

        return (DnsVectors.FromHex(hex), previous);
    }
}
