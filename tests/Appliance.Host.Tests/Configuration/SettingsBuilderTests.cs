using System.Net;
using Appliance.Dns;
using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class SettingsBuilderTests
{
    private static string ResolvConf(string content)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Build_NoConfig_EmbeddedLocalDefault()
    {
        var settings = SettingsBuilder.Build(null, "local default", new CliOverrides(), ResolvConf("nameserver 192.0.2.53\nnameserver 2001:db8::53\n"));

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353)], settings.Dns.Listen);
        Assert.Equal(["192.0.2.53:53", "[2001:db8::53]:53"], settings.Dns.Upstreams.Select(u => u.EndPoint.ToString()));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), settings.WebListen);
        Assert.Equal("./var", settings.DataDir);
    }

    [Fact]
    public void Build_OnPort53OfEveryAddress_TheBoxItselfIsNeverAnUpstream()
    {
        var cli = new CliOverrides { DnsListen = ["0.0.0.0:53", "[::]:53"] };

        var settings = SettingsBuilder.Build(null, "local default", cli, ResolvConf("nameserver 127.0.0.1\nnameserver ::1\nnameserver 192.0.2.53\n"));

        Assert.Equal("192.0.2.53:53", Assert.Single(settings.Dns.Upstreams).EndPoint.ToString());
    }

    [Fact]
    public void Build_OnPort53_ResolvConfNamingNoOtherResolver_IsAnErrorNotALoop()
    {
        var cli = new CliOverrides { DnsListen = ["0.0.0.0:53"] };

        var ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(null, "local default", cli, ResolvConf("search example.org\n")));

        Assert.Contains("dns.upstreams: is not set, and ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("names no resolver but this box itself (127.0.0.1:53)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:53", "127.0.0.1:53", true)]
    [InlineData("127.0.0.1:5353", "127.0.0.1:53", false)]      // the local default's listener is not port 53
    [InlineData("0.0.0.0:53", "127.0.0.53:53", true)]
    [InlineData("0.0.0.0:53", "198.51.100.7:53", true)]        // one of the box's own addresses
    [InlineData("[::]:53", "[::ffff:198.51.100.7]:53", true)]
    [InlineData("0.0.0.0:53", "0.0.0.0:53", true)]            // "nameserver 0.0.0.0" reaches the box itself
    [InlineData("[::]:53", "[::]:53", true)]
    [InlineData("[::]:53", "[fe80::7%2]:53", true)]             // a scoped link-local address of the box's own
    [InlineData("0.0.0.0:53", "192.0.2.53:53", false)]
    [InlineData("192.0.2.1:53", "127.0.0.1:53", false)]        // a listener on one address only
    public void SelfEndPoints_AreTheListenersOwnAddressesOnTheirPort(string listen, string upstream, bool own)
    {
        var local = new HashSet<IPAddress> { IPAddress.Parse("198.51.100.7"), IPAddress.Parse("fe80::7") };

        Assert.Equal(own, SelfEndPoints.IsOwn(IPEndPoint.Parse(upstream), [IPEndPoint.Parse(listen)], new(() => local)));
    }

    [Fact]
    public void Build_ResolvConfNamesNone_UpstreamIsLoopback53()
    {
        var settings = SettingsBuilder.Build(null, "local default", new CliOverrides(), ResolvConf("search example.org\n"));
        Assert.Equal("127.0.0.1:53", Assert.Single(settings.Dns.Upstreams).EndPoint.ToString());
    }

    [Fact]
    public void Build_CommandLine_OverridesFile()
    {
        var config = ConfigLoader.Parse("""{ "dataDir": "/a", "dns": { "listen": ["127.0.0.1:1"], "upstreams": [ { "address": "192.0.2.1:53" } ] }, "web": { "listen": "127.0.0.1:1" } }""", "f.json");
        var cli = new CliOverrides { DataDir = "/b", DnsListen = ["127.0.0.1:2", "[::1]:2"], Upstreams = ["192.0.2.2:53", "tls://192.0.2.3:853#dns.example"], WebListen = "127.0.0.1:3" };

        var settings = SettingsBuilder.Build(config, "f.json", cli);

        Assert.Equal("/b", settings.DataDir);
        Assert.Equal(2, settings.Dns.Listen.Count);
        Assert.Equal(3, settings.WebListen.Port);
        Assert.Equal(new UpstreamOptions(IPEndPoint.Parse("192.0.2.3:853"), true, "dns.example"), settings.Dns.Upstreams[1]);
    }

    [Fact]
    public void Build_FileSettings_MappedToOptions()
    {
        var config = ConfigLoader.Parse("""
            { "dns": { "cache": { "maxEntries": 500, "minTtlSeconds": 5, "serveStale": false },
                       "rateLimit": { "queriesPerSecond": 0, "action": "DROP" },
                       "upstreamTimeoutMs": 800, "udpEngine": "async", "tcpIdleTimeoutSeconds": 30 } }
            """, "f.json");

        var dns = SettingsBuilder.Build(config, "f.json", new CliOverrides(), ResolvConf("")).Dns;

        Assert.Equal(500, dns.Cache.MaxEntries);
        Assert.Equal(5u, dns.Cache.MinTtlSeconds);
        Assert.False(dns.Cache.ServeStale);
        Assert.Equal(0, dns.RateLimit.QueriesPerSecond);
        Assert.Equal(RateLimitAction.Drop, dns.RateLimit.Action);
        Assert.Equal(TimeSpan.FromMilliseconds(800), dns.UpstreamAttemptTimeout);
        Assert.Equal(UdpEngine.Async, dns.UdpEngine);
        Assert.Equal(TimeSpan.FromSeconds(30), dns.TcpIdleTimeout);
    }

    [Fact]
    public void Build_SeveralProblems_AllReportedEachWithItsField()
    {
        var config = ConfigLoader.Parse("""
            { "dns": { "listen": ["127.0.0.1"], "maxInFlight": 5, "udpEngine": "turbo",
                       "cache": { "minTtlSeconds": 100, "maxTtlSeconds": 10 },
                       "upstreams": [ { "address": "192.0.2.1:53" }, { "address": "nonsense" } ] } }
            """, "school.json");

        var ex = Assert.Throws<ConfigException>(() => SettingsBuilder.Build(config, "school.json", new CliOverrides()));

        Assert.Contains("school.json: dns.listen[0]: '127.0.0.1' has no port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: dns.maxInFlight: is 5; it must be from 16 to 32768", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: dns.udpEngine: is 'turbo'; expected one of: auto, async, batched", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dns.cache.minTtlSeconds", ex.Message, StringComparison.Ordinal);
        Assert.Contains("school.json: dns.upstreams[1].address", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "dns": { "cache": { "maxEntries": "lots" } } }""", "dns.cache.maxEntries (line 1): has the wrong type: expected a whole number")]
    [InlineData("""{ "dns": { "prefetch": true } }""", "dns.prefetch (line 1): unknown setting 'prefetch'")]
    [InlineData("""{ "dnss": {} }""", "dnss (line 1): unknown setting 'dnss'")]
    [InlineData("""{ "dns": { "listen": "127.0.0.1:53" } }""", "dns.listen (line 1): has the wrong type: expected a list of strings")]
    [InlineData("""{ "dns": { "cache": { "serveStale": "yes" } } }""", "dns.cache.serveStale (line 1): has the wrong type: expected true or false")]
    [InlineData("[]", "has the wrong type")]
    public void Parse_BadJson_MessageNamesFieldAndProblem(string json, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, "f.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("f.json: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesTheFile()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/appliance.json"));
        Assert.Contains("/nonexistent/appliance.json: cannot read", ex.Message, StringComparison.Ordinal);
    }
}
