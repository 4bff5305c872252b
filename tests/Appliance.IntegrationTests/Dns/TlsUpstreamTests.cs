using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>DNS over TLS to the upstream (RFC 7858), with the server's name verified (RFC 8310).</summary>
public sealed class TlsUpstreamTests : IAsyncLifetime
{
    private readonly Nsd _nsd = new();
    private UnboundDot _dot = null!;

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        _dot = new UnboundDot(_nsd);
        await _dot.StartAsync();
    }

    public Task DisposeAsync()
    {
        _dot.Dispose();
        _nsd.Dispose();
        return Task.CompletedTask;
    }

    private async Task<ApplianceProcess> StartWithTlsName(string tlsName)
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(config, $$"""
            { "dns": { "upstreams": [ { "address": "127.0.0.1:{{_dot.Port}}", "tls": true, "tlsName": "{{tlsName}}", "tlsCaFile": "{{_dot.CaFile}}" } ] } }
            """);
        return await ApplianceProcess.StartAsync(["--config", config]);
    }

    [Fact]
    public async Task TlsUpstream_RightName_AnswersThroughTls()
    {
        using var appliance = await StartWithTlsName("dot.test");

        var names = Enumerable.Range(0, 10).Select(i => $"h{i}.test").ToArray();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var result = await appliance.DigAsync(name);
            Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
            Assert.Equal($"192.0.2.{100 + i}", DigOutput.Answers(result.Stdout).Single()[4]);
        }

        var upstream = (await appliance.HealthAsync()).GetProperty("upstreams")[0];
        Assert.StartsWith("tls://", upstream.GetProperty("upstream").GetString(), StringComparison.Ordinal);
        Assert.Equal(10, upstream.GetProperty("answers").GetInt64());
    }

    [Fact]
    public async Task TlsUpstream_CertificateNameMismatch_RefusedAndServFail()
    {
        using var appliance = await StartWithTlsName("other.test");

        var result = await appliance.DigAsync("www.test");

        Assert.Equal("SERVFAIL", DigOutput.Status(result.Stdout));
        var upstream = (await appliance.HealthAsync()).GetProperty("upstreams")[0];
        Assert.Equal(0, upstream.GetProperty("answers").GetInt64());
        Assert.Contains("remote certificate", upstream.GetProperty("lastStreamError").GetString() ?? string.Empty, StringComparison.OrdinalIgnoreCase);
    }
}
