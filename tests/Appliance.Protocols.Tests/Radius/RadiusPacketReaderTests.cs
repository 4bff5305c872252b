using System.Buffers.Binary;
using Appliance.Protocols.Radius;

namespace Appliance.Protocols.Tests.Radius;

public class RadiusPacketReaderTests
{
    /// <summary>Reads a whole packet, opening every Vendor-Specific; returns the first non-Ok status and the attribute count.</summary>
    internal static ParseStatus Walk(ReadOnlySpan<byte> datagram, out int attributes)
    {
        attributes = 0;
        var status = RadiusPacketReader.TryRead(datagram, out var reader);
        while (status == ParseStatus.Ok && !reader.IsAtEnd)
        {
            status = reader.TryReadAttribute(out var attribute);
            if (status == ParseStatus.Ok && attribute.Type == RadiusAttributeType.VendorSpecific)
            {
                status = WalkVendorSpecific(attribute.Value);
            }

            attributes++;
        }

        return status;
    }

    private static ParseStatus WalkVendorSpecific(ReadOnlySpan<byte> value)
    {
        var status = RadiusAttributeReader.TryReadVendorSpecific(value, out _, out var sub);
        while (status == ParseStatus.Ok && !sub.IsAtEnd)
        {
            status = sub.TryRead(out _);
        }

        return status;
    }

    [Fact]
    public void TryRead_Rfc2865Request_ReadsHeaderAndEveryAttribute()
    {
        Assert.Equal(ParseStatus.Ok, RadiusPacketReader.TryRead(RadiusVectors.Rfc2865AccessRequest, out var reader));
        Assert.Equal(RadiusCode.AccessRequest, reader.Code);
        Assert.Equal(0, reader.Identifier);
        Assert.Equal(56, reader.Length);
        Assert.Equal(RadiusVectors.Rfc2865AccessRequest.AsSpan(4, 16), reader.Authenticator);

        Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var userName));
        Assert.Equal(RadiusAttributeType.UserName, userName.Type);
        Assert.Equal("nemo"u8, userName.Value);
        Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var password));
        Assert.Equal(16, password.Value.Length);
        Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var nasIp));
        Assert.Equal(new byte[] { 192, 168, 1, 16 }, nasIp.Value.ToArray());
        Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var nasPort));
        Assert.True(nasPort.TryGetUInt32(out var port));
        Assert.Equal(3u, port);
        Assert.True(reader.IsAtEnd);
        Assert.Equal(ParseStatus.NeedMoreData, reader.TryReadAttribute(out _));
    }

    [Fact]
    public void TryRead_BytesPastLength_AreIgnored()
    {
        var padded = RadiusVectors.Rfc2865AccessAccept.Concat(new byte[] { 0x01, 0x00, 0xff }).ToArray();

        Assert.Equal(ParseStatus.Ok, Walk(padded, out var count));
        Assert.Equal(3, count);
        Assert.Equal(ParseStatus.Ok, RadiusPacketReader.TryRead(padded, out var reader));
        Assert.Equal(38, reader.Packet.Length);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(4097)]
    [InlineData(0)]
    public void TryRead_LengthOutOfRange_IsMalformed(int length)
    {
        var packet = new byte[4200];
        packet[0] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);

        Assert.Equal(ParseStatus.Malformed, RadiusPacketReader.TryRead(packet, out _));
    }

    [Fact]
    public void TryRead_DatagramShorterThanLength_IsMalformed()
    {
        var packet = RadiusVectors.Rfc2865AccessRequest[..50];

        Assert.Equal(ParseStatus.Malformed, RadiusPacketReader.TryRead(packet, out _));
    }

    [Theory]
    [InlineData("01 00", "attribute length 0")]
    [InlineData("01 01", "attribute length 1")]
    [InlineData("01 07 41424344", "attribute running past Length")]
    [InlineData("01", "a lone type octet")]
    [InlineData("1a 05 000001", "VSA shorter than its vendor header")]
    [InlineData("1a 06 00000137", "VSA with a vendor id and no sub-attribute")]
    [InlineData("1a 08 00000137 1001", "VSA sub-attribute length 1")]
    [InlineData("1a 09 00000137 10 05 aa", "VSA sub-attribute running past the VSA")]
    [InlineData("1a 09 01000137 10 03 aa", "VSA vendor id with a non-zero high octet")]
    public void Walk_HostileAttributes_IsMalformed(string attributes, string because)
    {
        var packet = Packet(RadiusVectors.FromHex(attributes));

        Assert.True(Walk(packet, out _) == ParseStatus.Malformed, because);
    }

    [Fact]
    public void TryReadVendorSpecific_MicrosoftVsa_ReadsVendorAndSubAttribute()
    {
        Assert.Equal(ParseStatus.Ok, RadiusPacketReader.TryRead(RadiusVectors.EapAccessRequest, out var reader));
        Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryFind(reader.Attributes, RadiusAttributeType.VendorSpecific, out var vsa));

        Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryReadVendorSpecific(vsa, out var vendor, out var sub));
        Assert.Equal(RadiusVendor.Microsoft, vendor);
        Assert.Equal(ParseStatus.Ok, sub.TryRead(out var attribute));
        Assert.Equal(11, attribute.Type);
        Assert.Equal(new byte[] { 0xaa }, attribute.Value.ToArray());
        Assert.True(sub.IsAtEnd);
    }

    [Fact]
    public void TryFind_AbsentAttribute_IsNeedMoreData()
    {
        Assert.Equal(ParseStatus.NeedMoreData, RadiusAttributeReader.TryFind(RadiusVectors.Rfc2865AccessAccept.AsSpan(20), RadiusAttributeType.State, out _));
    }

    [Theory]
    [MemberData(nameof(RadiusVectors.PacketNames), MemberType = typeof(RadiusVectors))]
    public void Walk_EveryTruncation_IsNeedMoreDataOrMalformed(string name)
    {
        var full = RadiusVectors.Packets[name];
        Assert.Equal(ParseStatus.Ok, Walk(full, out _));

        for (var length = 0; length < full.Length; length++)
        {
            var cut = full[..length];   // exactly this long: a read past the cut throws
            var status = Walk(cut, out _);
            Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed, $"{name} cut to {length}: {status}");
            Assert.Equal(length < 20 ? ParseStatus.NeedMoreData : ParseStatus.Malformed, status);
        }
    }

    [Theory]
    [MemberData(nameof(RadiusVectors.PacketNames), MemberType = typeof(RadiusVectors))]
    public void Walk_LengthFieldCutShort_StopsAtAnAttributeBoundaryOrIsMalformed(string name)
    {
        var full = RadiusVectors.Packets[name];
        for (var length = 20; length < full.Length; length++)
        {
            var packet = (byte[])full.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);

            var status = Walk(packet, out _);

            Assert.True(status is ParseStatus.Ok or ParseStatus.Malformed, $"{name} Length {length}: {status}");
        }
    }

    [Fact]
    public void Walk_ValidPackets_AllocateNothing()
    {
        var request = RadiusVectors.EapAccessRequest;
        var total = 0;
        Walk(request, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Walk(request, out var count);
            total += count;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(50_000, total);
    }

    /// <summary>An Access-Accept header (Length patched) followed by <paramref name="attributes"/>.</summary>
    internal static byte[] Packet(ReadOnlySpan<byte> attributes)
    {
        var packet = new byte[20 + attributes.Length];
        packet[0] = (byte)RadiusCode.AccessAccept;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        attributes.CopyTo(packet.AsSpan(20));
        return packet;
    }
}
