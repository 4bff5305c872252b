using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// The appliance inline: started in the box namespace with a packetFilter section, so it applies the ruleset and binds
/// the queue itself (as it does on a real box); a TLS server and an HTTP server (Python's ssl, which is OpenSSL, and
/// http.server, both one thread per connection) on the server side answer for every name. Not openssl s_server: it
/// serves one connection at a time, and the server side of a reset flow stays half-open (packet-path.md "Verified":
/// the reset goes to the client only), so the first blocked flow would hang it. <see cref="BlockedName"/> is on a games list the policy
/// blocks; <see cref="AllowedName"/> is on none. Clients reach names with curl's --resolve, so no DNS is involved:
/// what is judged is the SNI or the Host.
/// </summary>
public abstract class InlineFilterFixture : IAsyncLifetime
{
    public const string BlockedName = "games.example";
    public const string AllowedName = "lesson.example";

    private readonly TopologyKind _kind;
    private readonly string _dir = Directory.CreateTempSubdirectory("inline-").FullName;
    private Topology? _topology;

    // https on ADDRESS:443 serving DIR; the handshake runs in each connection's thread, so a hung client hangs only itself.
    private const string TlsServer = """
        import functools, http.server, ssl, sys
        address, cert, key, root = sys.argv[1:5]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
        server = http.server.ThreadingHTTPServer((address, 443), handler)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        print("serving", flush=True)
        server.serve_forever()
        """;

    private readonly bool _monitor;

    private readonly string _quic;

    protected InlineFilterFixture(TopologyKind kind, bool monitor = false, string quic = "reject") => (_kind, _monitor, _quic) = (kind, monitor, quic);

    public Topology Net => _topology ?? throw new InvalidOperationException("not initialised");

    public ChildProcess Appliance { get; private set; } = null!;

    /// <summary>The running appliance's data directory (its journal and audit log).</summary>
    public string DataDir => Path.Combine(_dir, "data");

    public async Task InitializeAsync()
    {
        _topology = await Topology.CreateAsync(_kind);
        var cert = Path.Combine(_dir, "server.pem");
        var key = Path.Combine(_dir, "server.key");
        var made = await Processes.RunAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=test server", "-days", "1", "-keyout", key, "-out", cert]);
        Assert.True(made.ExitCode == 0, made.All);
        var www = Directory.CreateDirectory(Path.Combine(_dir, "www")).FullName;
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "lesson page\n");
        var tls = Net.Start(Net.Server, "python3", "-c", TlsServer, Net.ServerV4, cert, key, www);
        var http = Net.Start(Net.Server, "python3", "-m", "http.server", "80", "--bind", Net.ServerV4, "--directory", www);

        var list = Path.Combine(_dir, "games.hosts");
        await File.WriteAllTextAsync(list, $"0.0.0.0 {BlockedName}\n");
        var config = Path.Combine(_dir, "appliance.json");
        await File.WriteAllTextAsync(config, _monitor
            ? $$"""{ "packetFilter": { "mode": "monitor", "monitorInterface": "{{Net.LanInterface}}" } }"""
            : $$"""
            { "packetFilter": { "mode": "{{(_kind == TopologyKind.Router ? "router" : "bridge")}}", "lan": ["{{Net.LanInterface}}"],
                                "wan": "{{Net.WanInterface}}", "resolverPort": 53, "quic": "{{_quic}}",
                                "queues": { "first": 0, "count": {{(_kind == TopologyKind.Router ? 2 : 1)}} } } }
            """);
        var data = Directory.CreateDirectory(DataDir).FullName;
        Appliance = Net.Start(Net.Box, ApplianceProcess.Executable, "run", "--config", config, "--dns-listen", "0.0.0.0:53",
            "--web-listen", "127.0.0.1:8080", "--data-dir", data, "--upstream", "127.0.0.1:9", "--block", list + ":games");
        if (!await Appliance.WaitForOutputAsync(o => o.Contains(" ready; web UI", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("the appliance did not start inline:\n" + Appliance.Output);
        }

        // Both servers answer (the allowed name, through the box) before any test runs.
        foreach (var (scheme, server) in new[] { ("https", tls), ("http", http) })
        {
            var answered = false;
            for (var i = 0; i < 100 && !answered; i++)
            {
                answered = (await CurlAsync(scheme, AllowedName)).ExitCode == 0 || await Delay();
            }

            Assert.True(answered, $"the {scheme} server did not come up:\n{server.Output}");
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return false;
    }

    public Task DisposeAsync() => Topology.CleanUpAsync(_topology, _dir);

    /// <summary>curl from the client to NAME on the server (https or http), the name resolved by --resolve.</summary>
    public Task<Processes.Result> CurlAsync(string scheme, string name)
    {
        var port = scheme == "https" ? 443 : 80;
        return Topology.ExecAsync(Net.Client, "curl", "-sS", "-k", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
            "--resolve", $"{name}:{port}:{Net.ServerV4}", $"{scheme}://{name}/");
    }

    /// <summary>The box's health report, read from its web listener inside the box namespace.</summary>
    public async Task<System.Text.Json.JsonElement> HealthAsync()
    {
        var result = await Topology.ExecAsync(Net.Box, "curl", "-sS", "--max-time", "5", "http://127.0.0.1:8080/api/health");
        Assert.True(result.ExitCode == 0, result.All);
        return System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement;
    }
}

public sealed class InlineRouterFixture() : InlineFilterFixture(TopologyKind.Router);

public sealed class InlineBridgeFixture() : InlineFilterFixture(TopologyKind.Bridge);

public sealed class InlineFailOpenFixture() : InlineFilterFixture(TopologyKind.Bridge);

/// <summary>Monitor mode: the box routes and only watches its LAN interface (standing in for a mirror port).</summary>
public sealed class MonitorFixture() : InlineFilterFixture(TopologyKind.Router, monitor: true);

/// <summary>"Allow QUIC but filter it": UDP 443 goes to the queue, and Initials are judged by their SNI.</summary>
public sealed class QuicFilterFixture() : InlineFilterFixture(TopologyKind.Router, quic: "filter");
