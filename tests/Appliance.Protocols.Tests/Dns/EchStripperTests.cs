using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>Stripping <c>ech</c> from HTTPS/SVCB answers (RFC 9460), with the message rewritten uncompressed.</summary>
public sealed class EchStripperTests
{
    // Header: id 0xabcd, QR RD RA, QD 1, AN 2, NS 0, AR 1.
    private const string Header = "abcd81800001000200000001";

    // Question: www.test HTTPS IN.
    private const string Question = "03777777047465737400" + "0041" + "0001";

    // Answer 1: www.test (pointer to 12) CNAME cdn.test, TTL 300.
    private const string Cname = "c00c" + "0005" + "0001" + "0000012c" + "000a" + "0363646e0474657374" + "00";

    // Answer 2: cdn.test (pointer into the CNAME's RDATA) HTTPS, TTL 300: priority 1, target "." ,
    // mandatory=alpn,ech  alpn=h2  ech=01020304  ipv6hint=2001:db8::1.
    private const string HttpsRdata =
        "0001" + "00" +
        "0000" + "0004" + "0001" + "0005" +
        "0001" + "0003" + "026832" +
        "0005" + "0004" + "01020304" +
        "0006" + "0010" + "20010db8000000000000000000000001";

    private const string Https = "c026" + "0041" + "0001" + "0000012c" + "002e" + HttpsRdata;

    // Additional: OPT, UDP 1232.
    private const string Opt = "00" + "0029" + "04d0" + "00000000" + "0000";

    // The same answer stripped: every name written out in full; mandatory keeps alpn only; no ech.
    private const string Expected =
        Header + Question +
        "03777777047465737400" + "0005" + "0001" + "0000012c" + "000a" + "0363646e047465737400" +
        "0363646e047465737400" + "0041" + "0001" + "0000012c" + "0024" +
        "0001" + "00" +
        "0000" + "0002" + "0001" +
        "0001" + "0003" + "026832" +
        "0006" + "0010" + "20010db8000000000000000000000001" +
        Opt;

    private static readonly byte[] WithEch = Convert.FromHexString(Header + Question + Cname + Https + Opt);

    [Fact]
    public void Strip_HttpsWithEch_RemovedFromParamsAndMandatory_NamesExpanded()
    {
        var output = new byte[512];

        var length = EchStripper.Strip(WithEch, output);

        Assert.Equal(Expected, Convert.ToHexStringLower(output.AsSpan(0, length)));
        var walk = new DnsMessageReader(output.AsSpan(0, length));
        Assert.Equal(ParseStatus.Ok, walk.ReadHeader(out var header));
        Assert.Equal(ParseStatus.Ok, walk.ReadQuestion(out _));
        for (var i = 0; i < header.AnswerCount + header.AdditionalCount; i++)
        {
            Assert.Equal(ParseStatus.Ok, walk.ReadRecord(out _));
        }

        Assert.Equal(length, walk.Position);
    }

    [Fact]
    public void Strip_OnlyEchInMandatory_DropsTheMandatoryParam()
    {
        var rdata = "0001" + "00" + "0000" + "0002" + "0005" + "0005" + "0002" + "abcd";
        var message = Convert.FromHexString("abcd81800001000100000000" + Question + "c00c004100010000012c" + "000f" + rdata);
        var output = new byte[512];

        var length = EchStripper.Strip(message, output);

        Assert.EndsWith("0003" + "000100", Convert.ToHexStringLower(output.AsSpan(0, length)), StringComparison.Ordinal);
    }

    [Fact]
    public void Strip_NoEch_LeavesTheMessageAlone()
    {
        var noEch = "0001" + "00" + "0001" + "0003" + "026832";
        var message = Convert.FromHexString("abcd81800001000100000000" + Question + "c00c004100010000012c" + "000a" + noEch);

        Assert.Equal(0, EchStripper.Strip(message, new byte[512]));
    }

    [Fact]
    public void Strip_OutputTooSmall_ReportsFailure() => Assert.Equal(-1, EchStripper.Strip(WithEch, new byte[60]));

    [Fact]
    public void Strip_EveryTruncation_NeverThrows_AndNeverReportsSuccessBeyondTheInput()
    {
        var output = new byte[1024];
        for (var n = 0; n < WithEch.Length; n++)
        {
            var result = EchStripper.Strip(WithEch.AsSpan(0, n), output);
            Assert.True(result <= 0, $"truncated to {n} bytes gave {result}");
        }
    }

    [Fact]
    public void Strip_HostileParams_Refused()
    {
        // A param length running past RDATA, and a mandatory list of odd length.
        foreach (var rdata in new[] { "0001" + "00" + "0005" + "00ff" + "01", "0001" + "00" + "0000" + "0003" + "000500" + "0005" + "0000" })
        {
            var length = (rdata.Length / 2).ToString("x4");
            var message = Convert.FromHexString("abcd81800001000100000000" + Question + "c00c004100010000012c" + length + rdata);
            Assert.True(EchStripper.Strip(message, new byte[512]) <= 0);
        }
    }
}
