namespace Appliance.IntegrationTests.Peers;

/// <summary>
/// A real DNS-over-TLS server (RFC 7858) for the appliance's TLS upstream: unbound serving TLS on a loopback
/// port with a certificate for "dot.test" issued by a throw-away CA, forwarding to the test's NSD.
/// </summary>
public sealed class UnboundDot : IDisposable
{
    private readonly string _dir;
    private ChildProcess? _process;

    public UnboundDot(Nsd upstream)
    {
        _dir = Directory.CreateTempSubdirectory("unbound-dot-").FullName;
        Port = Processes.FreePort();
        File.WriteAllText(Path.Combine(_dir, "unbound.conf"), $"""
            server:
              interface: 127.0.0.1@{Port}
              tls-port: {Port}
              tls-service-key: "{_dir}/server.key"
              tls-service-pem: "{_dir}/server.pem"
              username: ""
              chroot: ""
              directory: "{_dir}"
              pidfile: "{_dir}/unbound.pid"
              logfile: ""
              use-syslog: no
              num-threads: 1
              do-not-query-localhost: no
              module-config: "iterator"
              access-control: 127.0.0.0/8 allow
              # "test." is special-use (RFC 6761) and unbound answers it locally by default; forward it instead.
              local-zone: "test." nodefault
              so-reuseport: no
            remote-control:
              control-enable: no
            forward-zone:
              name: "."
              forward-addr: 127.0.0.1@{upstream.Port}
            """);
    }

    public int Port { get; }

    public string CaFile => Path.Combine(_dir, "ca.pem");

    public async Task StartAsync()
    {
        await Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=Test DoT CA", "-keyout", Path.Combine(_dir, "ca.key"), "-out", CaFile,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        await Openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=dot.test",
            "-keyout", Path.Combine(_dir, "server.key"), "-out", Path.Combine(_dir, "server.csr"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "ext.cnf"), "subjectAltName=DNS:dot.test\nextendedKeyUsage=serverAuth\n");
        await Openssl("x509", "-req", "-in", Path.Combine(_dir, "server.csr"), "-CA", CaFile, "-CAkey", Path.Combine(_dir, "ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", Path.Combine(_dir, "ext.cnf"), "-out", Path.Combine(_dir, "server.pem"));

        _process = new ChildProcess("unbound", ["-d", "-c", Path.Combine(_dir, "unbound.conf")]);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var probe = await Processes.RunAsync("kdig", ["@127.0.0.1", "-p", Port.ToString(), "+tls", "+time=1", "+retry=0", "+short", "ns.test"]);
            if (probe.Stdout.Contains("127.0.0.1", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("unbound (DoT) did not start: " + _process.Output);
    }

    private static async Task Openssl(params string[] args)
    {
        var result = await Processes.RunAsync("openssl", args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl failed: " + result.All);
        }
    }

    public void Dispose()
    {
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
