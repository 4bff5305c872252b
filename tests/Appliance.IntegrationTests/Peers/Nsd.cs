using System.Text;

namespace Appliance.IntegrationTests.Peers;

/// <summary>
/// A real authoritative upstream: NSD from Debian, on a spare loopback port, serving zone "test." with the
/// records the tests need (short TTLs, a large TXT set for TC, NXDOMAIN with SOA).
/// </summary>
public sealed class Nsd : IDisposable
{
    private readonly string _dir;
    private ChildProcess? _process;

    /// <param name="extraZones">More zones to serve (origin, zone file text), e.g. a stand-in google.com for safe-search tests.</param>
    public Nsd(params (string Origin, string Text)[] extraZones)
    {
        _dir = Directory.CreateTempSubdirectory("nsd-").FullName;
        Port = Processes.FreePort();
        File.WriteAllText(Path.Combine(_dir, "test.zone"), Zone());
        var zones = new StringBuilder();
        foreach (var (origin, text) in extraZones)
        {
            File.WriteAllText(Path.Combine(_dir, origin + ".zone"), text);
            zones.Append($"zone:\n  name: {origin}.\n  zonefile: {origin}.zone\n");
        }

        File.WriteAllText(Path.Combine(_dir, "nsd.conf"), $"""
            server:
              ip-address: 127.0.0.1@{Port}
              port: {Port}
              username: ""
              chroot: ""
              zonesdir: "{_dir}"
              pidfile: "{_dir}/nsd.pid"
              database: ""
              xfrdfile: "{_dir}/xfrd.state"
              zonelistfile: "{_dir}/zone.list"
              server-count: 1
              verbosity: 1
              hide-version: yes
            remote-control:
              control-enable: no
            zone:
              name: test.
              zonefile: test.zone

            """ + zones);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Distinct 200-byte strings: 12 records make an answer of about 2.5 kB, beyond a 1232-byte UDP reply.</summary>
    public const int BigTxtRecords = 12;

    public static string Zone()
    {
        var zone = new StringBuilder("""
            $ORIGIN test.
            $TTL 300
            @ IN SOA ns.test. admin.test. 1 3600 600 86400 60
            @ IN NS ns.test.
            ns IN A 127.0.0.1
            www IN A 192.0.2.10
            www IN AAAA 2001:db8::10
            short 1 IN A 192.0.2.2
            alias IN CNAME www.test.
            svc IN HTTPS 1 . alpn="h2" ech="AAQBAgME" ipv6hint=2001:db8::1

            """);
        for (var i = 0; i < BigTxtRecords; i++)
        {
            zone.AppendLine($"big IN TXT \"{i:D2}{new string('x', 198)}\"");
        }

        for (var i = 0; i < 50; i++)
        {
            zone.AppendLine($"h{i} IN A 192.0.2.{100 + i}");
        }

        return zone.ToString();
    }

    public async Task StartAsync()
    {
        _process = new ChildProcess("nsd", ["-d", "-c", Path.Combine(_dir, "nsd.conf")]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var probe = await Processes.RunAsync("dig", ["@127.0.0.1", "-p", Port.ToString(), "+time=1", "+tries=1", "+short", "ns.test"]);
            if (probe.Stdout.Contains("127.0.0.1", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("nsd did not start: " + _process.Output);
    }

    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
