using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Dns.Resolution;
using Appliance.Dns.Tests.Support;
using Appliance.IntegrationTests.Peers;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Resolution;

/// <summary>
/// The box's own names (the lesson mirror's, issue 9): answered by the resolver itself — A/AAAA with AA and TTL 60,
/// other types NODATA — above the policy, never forwarded, journalled as 103. Real dig against the resolver on
/// loopback, plus the table and the writer on their own.
/// </summary>
public sealed class LocalNameTests : IDisposable
{
    private const string Mirror = "lessons.school.lan";

    private static readonly Dictionary<string, IReadOnlyList<IPAddress>> Names = new()
    {
        [Mirror] = [IPAddress.Parse("10.20.0.1"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("10.20.0.2")],
        ["v6only.school.lan."] = [IPAddress.Parse("2001:db8::2")],
    };

    private readonly CannedUpstream _upstream = new();
    private readonly InProcessResolver _resolver;

    public LocalNameTests()
    {
        // A policy that blocks the whole school.lan zone: the box's own name stands above it.
        var lists = new DomainSetBuilder();
        lists.Add("school.lan", Categories.Bit(Category.Drugs));
        var document = new PolicyDocument { Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["all"] }] };
        var policy = new PolicyEngine(PolicyCompiler.Compile(document, new PolicyLists(lists.Build(), DomainSet.Empty, DomainSet.Empty), 1));
        _resolver = new InProcessResolver(_upstream, configure: o => o with { LocalNames = Names }, policy: policy);
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _upstream.Dispose();
    }

    private Task<Processes.Result> Dig(params string[] args)
        => Processes.RunAsync("dig", ["@127.0.0.1", "-p", _resolver.Server.EndPoints[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "+tries=1", "+time=3", .. args]);

    private List<QueryEvent> Events()
    {
        var events = new List<QueryEvent>();
        while (_resolver.Events.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Dig_A_AnsweredByTheBoxWithAuthority_AboveThePolicy_NeverForwarded()
    {
        var result = await Dig("LESSONS.School.LAN", "A");

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.True(DigOutput.HasFlag(result.Stdout, "aa"), result.Stdout);
        var answers = DigOutput.Answers(result.Stdout);
        Assert.Equal(["10.20.0.1", "10.20.0.2"], answers.Select(a => a[4]));
        Assert.All(answers, a => Assert.Equal(("LESSONS.School.LAN.", "60", "A"), (a[0], a[1], a[3])));
        Assert.Equal(0, _upstream.Answered);
        var e = Assert.Single(Events());
        Assert.Equal(ReasonCode.DnsAnsweredLocal, e.Reason);
        Assert.Equal(Mirror, DnsName.ToSearchText(e.WireName));
        Assert.False(e.Flags.HasFlag(QueryEventFlags.Blocked));
    }

    [Fact]
    public async Task Dig_AaaaOverTcp_TheIpv6Address()
    {
        var result = await Dig("+tcp", Mirror, "AAAA");

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.Contains("(TCP)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("2001:db8::1", Assert.Single(DigOutput.Answers(result.Stdout))[4]);
        Assert.True(Assert.Single(Events()).Flags.HasFlag(QueryEventFlags.Tcp));
    }

    [Theory]
    [InlineData(Mirror, "TXT")]
    [InlineData(Mirror, "MX")]
    [InlineData(Mirror, "HTTPS")]
    [InlineData("v6only.school.lan", "A")]   // a family the name has no address of
    public async Task Dig_OtherTypes_NoErrorNoData(string name, string type)
    {
        var result = await Dig("+noedns", name, type);

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.True(DigOutput.HasFlag(result.Stdout, "aa"), result.Stdout);
        Assert.Equal(0, DigOutput.AnswerCount(result.Stdout));
        Assert.Contains("AUTHORITY: 0", result.Stdout, StringComparison.Ordinal);   // no SOA: RFC 2308 §2.2 type 3
        Assert.Equal(0, _upstream.Answered);
    }

    [Fact]
    public void Subdomain_NotLocal_GoesThroughThePolicy()
    {
        var answer = _resolver.Ask(Messages.Query("www." + Mirror));

        Assert.True(answer.AsSpan().IndexOf((byte[])[0, 0, 0, 0]) > 0);   // blocked like the rest of school.lan
        Assert.Equal(ReasonCode.DnsBlockedCategory, Assert.Single(Events()).Reason);
    }

    [Fact]
    public void Table_FindsTheExactLowerCasedWireName_Only()
    {
        var table = LocalNameTable.Build(Names);

        Assert.Equal(2, table.Count);
        Assert.NotNull(table.Find(Messages.Name(Mirror)));
        Assert.NotNull(table.Find(Messages.Name("v6only.school.lan")));   // given with a trailing dot
        Assert.Null(table.Find(Messages.Name("LESSONS.school.lan")));     // the caller lower-cases (RFC 4343)
        Assert.Null(table.Find(Messages.Name("school.lan")));
        Assert.Null(LocalNameTable.Empty.Find(Messages.Name(Mirror)));
    }

    [Fact]
    public void Table_Ipv4MappedAddress_IsAnARecord()
    {
        var table = LocalNameTable.Build(new Dictionary<string, IReadOnlyList<IPAddress>> { ["m.lan"] = [IPAddress.Parse("::ffff:10.1.2.3")] });
        var entry = table.Find(Messages.Name("m.lan"))!;

        Assert.Equal([10, 1, 2, 3], Assert.Single(entry.AddressesOf(DnsType.A)));
        Assert.Empty(entry.AddressesOf(DnsType.Aaaa));
    }

    [Theory]
    [InlineData("", "not a host name")]
    [InlineData("bad..name", "not a host name")]
    [InlineData("no-address.lan", "needs at least one")]
    public void Table_BadEntry_NamedInTheError(string name, string expected)
    {
        var error = Assert.Throws<FormatException>(() => LocalNameTable.Build(
            new Dictionary<string, IReadOnlyList<IPAddress>> { [name] = name == "no-address.lan" ? [] : [IPAddress.Loopback] }));
        Assert.Contains($"local name '{name}': {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_SameNameTwiceInAnotherCase_Refused()
    {
        var error = Assert.Throws<FormatException>(() => LocalNameTable.Build(new Dictionary<string, IReadOnlyList<IPAddress>>
        {
            ["lessons.lan"] = [IPAddress.Loopback],
            ["Lessons.LAN"] = [IPAddress.Loopback],
        }));
        Assert.Contains("given twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_MoreAddressesThanTheClientsSizeHolds_Truncated()
    {
        var many = Enumerable.Range(1, 40).Select(i => IPAddress.Parse($"2001:db8::{i:x}")).ToArray();
        var entry = LocalNameTable.Build(new Dictionary<string, IReadOnlyList<IPAddress>> { ["big.lan"] = many }).Find(Messages.Name("big.lan"))!;
        var question = Messages.Query("big.lan", DnsType.Aaaa, edns: false).AsSpan(12).ToArray();
        var response = new byte[2048];

        var length = LocalAnswer.Write(response, new ClientQuery(1, DnsHeader.RdBit, question, hasEdns: false, dnssecOk: false), DnsType.Aaaa,
            DnsClass.IN, entry, limit: 512);

        var reader = new DnsMessageReader(response.AsSpan(0, length));
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out var header));
        Assert.True(header.IsTruncated);
        Assert.Equal(0, header.AnswerCount);
        Assert.Equal(40, (LocalAnswer.Write(response, new ClientQuery(1, 0, question, false, false), DnsType.Aaaa, DnsClass.IN, entry, 2048)
            - 12 - question.Length) / (2 + 10 + 16));
    }

    [Fact]
    public void Writer_ClassOtherThanIn_NoData()
    {
        var entry = LocalNameTable.Build(Names).Find(Messages.Name(Mirror))!;
        var question = Messages.Query(Mirror, edns: false).AsSpan(12).ToArray();
        var response = new byte[512];

        var length = LocalAnswer.Write(response, new ClientQuery(1, 0, question, false, false), DnsType.A, 3 /* CH */, entry, 512);

        var reader = new DnsMessageReader(response.AsSpan(0, length));
        reader.ReadHeader(out var header);
        Assert.Equal((DnsRcode.NoError, 0), (header.Rcode, (int)header.AnswerCount));
    }
}
