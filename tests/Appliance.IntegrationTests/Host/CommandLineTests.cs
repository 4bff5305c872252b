using System.Net.Sockets;
using System.Text;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>The `appliance` executable's contract: help, version, exit codes, config errors, systemd readiness.</summary>
public sealed class CommandLineTests
{
    private static Task<Processes.Result> Run(params string[] args) => Processes.RunAsync(ApplianceProcess.Executable, args, TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("config", "check", "--help")]
    [InlineData("firewall", "print", "--help")]
    public async Task Help_EveryCommand_ExitsZeroWithUsage(params string[] args)
    {
        var result = await Run(args);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Run_ListsTheOverrideOptions()
    {
        var result = await Run("run", "--help");

        foreach (var option in new[] { "--config", "--dns-listen", "--upstream", "--data-dir", "--web-listen" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_PrintsVersion()
    {
        var result = await Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Stdout.Trim());
    }

    [Fact]
    public async Task UnknownOption_ExitsTwo()
    {
        var result = await Run("run", "--no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadConfigs => new()
    {
        { """{ "dns": { "lisen": ["127.0.0.1:53"] } }""", "dns.lisen" },
        { """{ "dns": { "maxInFlight": "many" } }""", "dns.maxInFlight" },
        { """{ "dns": { "listen": ["127.0.0.1"] } }""", "dns.listen[0]" },
        { """{ "dns": { "listen": ["127.0.0.1:99999"] } }""", "dns.listen[0]" },
        { """{ "dns": { "listen": ["300.1.1.1:53"] } }""", "dns.listen[0]" },
        { """{ "dns": { "upstreams": [ { "address": "::1:53" } ] } }""", "dns.upstreams[0].address" },
        { """{ "dns": { "upstreams": [ { "address": "192.0.2.1:853", "tls": true } ] } }""", "dns.upstreams[0].tlsName" },
        { """{ "dns": { "rateLimit": { "action": "explode" } } }""", "dns.rateLimit.action" },
        { """{ "web": { "listen": "localhost:8080" } }""", "web.listen" },
        { """{ "dns": { "listen": [ "127.0.0.1:53", """, "is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public async Task BadConfig_Run_ExitsTwoNamingTheField(string json, string field)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(path, json);

        var result = await Run("run", "--config", path, "--data-dir", Path.GetDirectoryName(path)!);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(field, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("appliance.json", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadOverride_Upstream_ExitsTwoNamingTheOption()
    {
        var result = await Run("run", "--upstream", "192.0.2.1:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--upstream", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("port", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataDirNotWritable_Run_ExitsTwoNamingDataDir()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("data-").FullName, "not-a-directory");
        await File.WriteAllTextAsync(file, "a file where the data directory should be");

        var result = await Run("run", "--data-dir", Path.Combine(file, "var"), "--upstream", "127.0.0.1:53");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("dataDir", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("cannot be created or written", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("a file where the data directory should be", await File.ReadAllTextAsync(file));   // nothing overwritten
    }

    [Theory]
    [InlineData("gambling.txt:weeds", "is not a category")]
    [InlineData("missing.txt:drugs", "does not exist")]
    [InlineData("portal.txt:drugs", "is an HTML page")]
    [InlineData("noname.txt", "cannot tell the category")]
    public async Task BadBlockList_Run_ExitsTwoWithReason(string block, string reason)
    {
        var dir = Directory.CreateTempSubdirectory("blk-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "gambling.txt"), "casino.example\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "noname.txt"), "casino.example\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "portal.txt"), "<!DOCTYPE html>\n<html>log in</html>\n");

        var result = await Run("run", "--data-dir", dir, "--upstream", "127.0.0.1:53", "--block", Path.Combine(dir, block));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ValidFile_PrintsSettings()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(path, """
            { // comments are allowed
              "dataDir": "/tmp/x",
              "dns": { "listen": ["127.0.0.1:5300", "[::1]:5300"], "upstreams": [ { "address": "192.0.2.53:53" } ] }
            }
            """);

        var result = await Run("config", "check", "--config", path, "--upstream", "192.0.2.54:53");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("127.0.0.1:5300, [::1]:5300", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("dns.upstreams: 192.0.2.54:53", result.Stdout, StringComparison.Ordinal);   // the command line wins
    }

    [Fact]
    public async Task PortInUse_Run_ExitsOneWithReason()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)squatter.LocalEndPoint!).Port;
        var data = Directory.CreateTempSubdirectory("data-").FullName;

        var result = await Run("run", "--dns-listen", $"127.0.0.1:{port}", "--web-listen", $"127.0.0.1:{Processes.FreePort()}", "--data-dir", data, "--upstream", "127.0.0.1:53");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot serve DNS", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebPortInUse_Run_ExitsOneWithReason_AndStopsCleanly()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var data = Directory.CreateTempSubdirectory("data-").FullName;

        // The DNS service is up (and forwarding its safe-search warm-up to a dead upstream) when the web listener fails.
        var result = await Run("run", "--dns-listen", "127.0.0.1:0", "--web-listen", $"127.0.0.1:{port}", "--data-dir", data, "--upstream", "127.0.0.1:9");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot serve the web UI on 127.0.0.1:{port}", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("scan failed", result.All, StringComparison.Ordinal);   // no send on a closed socket while stopping
    }

    [Fact]
    public async Task Systemd_NotifySocket_ReadyThenWatchdogThenStopping()
    {
        // Type=notify: systemd passes NOTIFY_SOCKET and waits for READY=1 (sd_notify(3)). We play systemd's part:
        // the hosting library only speaks the protocol when its parent process is called "systemd", so the
        // appliance is started by a shell whose name is "systemd", and we listen on the notify socket.
        var dir = Directory.CreateTempSubdirectory("notify-").FullName;
        var path = Path.Combine(dir, "notify.sock");
        var shim = Path.Combine(dir, "systemd");
        File.CreateSymbolicLink(shim, "/bin/bash");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var data = Directory.CreateTempSubdirectory("data-").FullName;

        using var systemd = new ChildProcess(shim, [
            "-c", "trap 'kill -TERM $child; wait $child' TERM; \"$0\" \"$@\" & child=$!; wait $child",
            ApplianceProcess.Executable, "run", "--dns-listen", "127.0.0.1:0", "--web-listen", $"127.0.0.1:{Processes.FreePort()}",
            "--data-dir", data, "--upstream", nsd.Address,
        ], new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "400000" });

        var buffer = new byte[1024];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var n = await listener.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
        Assert.Contains("READY=1", Encoding.UTF8.GetString(buffer, 0, n), StringComparison.Ordinal);
        Assert.Contains("DNS listening on", systemd.Output, StringComparison.Ordinal);   // ready only after DNS is bound

        // WatchdogSec=0.4s: heartbeats follow, each after a probe went through the UDP loop.
        var beats = 0;
        while (beats < 2)
        {
            n = await listener.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
            beats += Encoding.UTF8.GetString(buffer, 0, n).Contains("WATCHDOG=1", StringComparison.Ordinal) ? 1 : 0;
        }

        systemd.Stop();
        string message;
        do
        {
            n = await listener.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
            message = Encoding.UTF8.GetString(buffer, 0, n);
        }
        while (message.Contains("WATCHDOG=1", StringComparison.Ordinal));
        Assert.Contains("STOPPING=1", message, StringComparison.Ordinal);
    }
}
