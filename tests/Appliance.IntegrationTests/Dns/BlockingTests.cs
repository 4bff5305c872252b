using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>`appliance run --block FILE[:CATEGORY]`: the DESIGN §5 blocked answers, seen through dig.</summary>
public sealed class BlockingTests : IAsyncLifetime
{
    private readonly Nsd _nsd = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("block-").FullName;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        var gambling = Path.Combine(_dir, "gambling.txt");
        await File.WriteAllTextAsync(gambling, "||www.test^\n@@||ok.www.test^\n");
        var drugs = Path.Combine(_dir, "custom.hosts");
        await File.WriteAllTextAsync(drugs, "0.0.0.0 h1.test\n0.0.0.0 big.test\n");
        _appliance = await ApplianceProcess.StartAsync(["--upstream", _nsd.Address, "--block", gambling, "--block", drugs + ":drugs"]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("www.test", "A", "0.0.0.0", "gambling")]
    [InlineData("www.test", "AAAA", "::", "gambling")]
    [InlineData("deep.sub.www.test", "A", "0.0.0.0", "gambling")]   // subdomains of a listed name
    [InlineData("h1.test", "A", "0.0.0.0", "drugs")]
    public async Task Blocked_AddressQuery_UnspecifiedAddressWithEde15(string name, string type, string address, string category)
    {
        var result = await _appliance.DigAsync(name, type);

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        var answer = Assert.Single(DigOutput.Answers(result.Stdout));
        Assert.Equal([type, address], [answer[3], answer[4]]);
        Assert.Equal("10", answer[1]);
        Assert.Contains($"EDE: 15 (Blocked): (blocked: {category})", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MX")]
    [InlineData("TXT")]
    [InlineData("TYPE65")]   // HTTPS: NODATA, so its address hints cannot bypass the block
    [InlineData("SVCB")]
    public async Task Blocked_OtherTypes_NoDataWithSoa(string type)
    {
        var result = await _appliance.DigAsync("big.test", type);

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.Equal(0, DigOutput.AnswerCount(result.Stdout));
        Assert.Contains("AUTHORITY: 1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SOA\tblocked.appliance.invalid. hostmaster.appliance.invalid.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("EDE: 15 (Blocked)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exception_AdblockAtAtRule_ResolvedNormally()
    {
        var result = await _appliance.DigAsync("ok.www.test");

        Assert.Equal("NXDOMAIN", DigOutput.Status(result.Stdout));   // forwarded: nsd has no such name
        Assert.DoesNotContain("EDE: 15", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotListed_ResolvedNormally_AndBlockedOverTcpToo()
    {
        var allowed = await _appliance.DigAsync("h2.test");
        var tcp = await _appliance.DigAsync("+tcp", "www.test");

        Assert.Equal("192.0.2.102", DigOutput.Answers(allowed.Stdout).Single()[4]);
        Assert.Equal("0.0.0.0", DigOutput.Answers(tcp.Stdout).Single()[4]);
        Assert.True(await _appliance.CounterAsync("blocked") >= 1);
    }
}
