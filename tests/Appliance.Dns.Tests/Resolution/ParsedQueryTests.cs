using Appliance.Dns.Resolution;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Resolution;

public sealed class ParsedQueryTests
{
    private static QueryDisposition Read(byte[] packet, out ParsedQuery query, out byte[] name)
    {
        name = new byte[255];
        return ParsedQuery.Read(packet, name, out query);
    }

    [Fact]
    public void Read_EdnsQueryWithDo_AllFieldsRead()
    {
        var packet = Messages.Query("WwW.Test", DnsType.Aaaa, id: 0x4242, dnssecOk: true, udpSize: 4096);

        Assert.Equal(QueryDisposition.Resolve, Read(packet, out var q, out var name));
        Assert.Equal(0x4242, q.Id);
        Assert.Equal(DnsType.Aaaa, q.Type);
        Assert.Equal(DnsClass.IN, q.Class);
        Assert.True(q.HasEdns);
        Assert.True(q.DnssecOk);
        Assert.Equal(1232, q.UdpLimit);   // the client's 4096 is capped at what we advertise
        Assert.Equal(Messages.Name("WwW.Test"), name[..q.NameLength]);   // case kept for 0x20
    }

    [Theory]
    [InlineData(false, 0, 512)]
    [InlineData(true, 100, 512)]     // RFC 6891 §6.2.5: values below 512 are treated as 512
    [InlineData(true, 1000, 1000)]
    [InlineData(true, 65000, 1232)]
    public void UdpLimit_FromEdns_ClampedBetween512And1232(bool edns, int size, int expected)
    {
        Read(Messages.Query("a.test", edns: edns, udpSize: (ushort)size), out var q, out _);
        Assert.Equal(expected, q.UdpLimit);
    }

    [Theory]
    [InlineData("", QueryDisposition.Drop)]
    [InlineData("abcd0100000100000000", QueryDisposition.Drop)]                        // 10 bytes: no header
    [InlineData("abcd81000001000000000000016100000100 01", QueryDisposition.Drop)]     // QR set: a response
    [InlineData("abcd01000000000000000000", QueryDisposition.FormErr)]                 // no question
    [InlineData("abcd010000010000000000000161000001", QueryDisposition.FormErr)]       // class cut off
    [InlineData("abcd0100000100000000000001610000290001", QueryDisposition.FormErr)]   // qtype OPT
    [InlineData("abcd2000000100000000000001610000010001", QueryDisposition.NotImp)]    // opcode 4 NOTIFY
    [InlineData("abcd0100000100000000000101610000010001" + "00" + "0029" + "1000" + "00010000" + "0000", QueryDisposition.BadVers)]   // OPT TTL: ext-rcode 0, version 1
    [InlineData("abcd0100000100010000000001610000010001c00c0029100000000000000000", QueryDisposition.FormErr)]   // OPT in answer section
    public void Read_BadQueries_RightDisposition(string hex, QueryDisposition expected)
    {
        Assert.Equal(expected, Read(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), out _, out _));
    }
}
