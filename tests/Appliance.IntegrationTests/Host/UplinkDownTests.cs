using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// A box powered on with its uplink unplugged: the upstream has no route, so connecting a UDP socket to it fails at
/// once (ENETUNREACH). The service must still start (DNS, web UI) and forward once the route appears, not exit and
/// restart every two seconds. Runs in a network namespace of its own with only loopback, so there is no route at all.
/// </summary>
public sealed class UplinkDownTests : IDisposable
{
    private const string Upstream = "192.0.2.53";   // TEST-NET-1: no route in the namespace until the test adds one
    private readonly string _ns = $"uplink-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly string _data = Directory.CreateTempSubdirectory("uplink-").FullName;

    public UplinkDownTests()
    {
        Processes.RunAsync("ip", ["netns", "add", _ns]).GetAwaiter().GetResult();
        InNamespace("ip", "link", "set", "lo", "up").GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Processes.RunAsync("ip", ["netns", "delete", _ns]).GetAwaiter().GetResult();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task With_no_route_to_the_upstream_the_service_starts_and_forwards_once_the_route_appears()
    {
        using var appliance = new ChildProcess("ip", ["netns", "exec", _ns, ApplianceProcess.Executable, "run", "--dns-listen", "127.0.0.1:5300",
            "--web-listen", "127.0.0.1:8080", "--data-dir", _data, "--upstream", $"{Upstream}:53"]);
        Assert.True(await appliance.WaitForOutputAsync(o => o.Contains(" ready; web UI", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "the appliance did not start:\n" + appliance.Output);

        var down = await Dig();
        Assert.Contains("status: SERVFAIL", down.Stdout, StringComparison.Ordinal);   // answered, not hung; nothing to forward to

        // The uplink comes back: the upstream's address is reachable (on the namespace's loopback), and a stand-in
        // upstream answers NOERROR to whatever it is asked.
        await InNamespace("ip", "address", "add", $"{Upstream}/32", "dev", "lo");
        using var upstream = new ChildProcess("ip", ["netns", "exec", _ns, "python3", "-c", EchoUpstream]);
        Processes.Result? up = null;
        await Appliance.TestSupport.Eventually.True(async () => (up = await Dig()).Stdout.Contains("status: NOERROR", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => $"dig: {up?.Stdout}\nappliance: {appliance.Output}\nupstream: {upstream.Output}");
        Assert.False(appliance.HasExited);
    }

    private Task<Processes.Result> Dig() =>
        InNamespace("dig", "+time=2", "+tries=1", "@127.0.0.1", "-p", "5300", $"n{Guid.NewGuid().ToString("N")[..6]}.uplink.test", "A");

    private Task<Processes.Result> InNamespace(params string[] command) => Processes.RunAsync("ip", ["netns", "exec", _ns, .. command], TimeSpan.FromSeconds(30));

    // Answers each query with its own question, QR and RA set, RCODE 0 (an empty NOERROR).
    private const string EchoUpstream = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("192.0.2.53", 53))
        print("listening", flush=True)
        while True:
            q, peer = s.recvfrom(4096)
            s.sendto(q[:2] + bytes([q[2] | 0x80, 0x80]) + q[4:], peer)
        """;
}
