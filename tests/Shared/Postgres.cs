using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Appliance.TestSupport;

/// <summary>
/// A throw-away PostgreSQL server from Debian's packages: <c>initdb</c> into a temporary directory, started with
/// <c>pg_ctl</c> on a loopback port (run as the <c>postgres</c> user when the tests run as root, which PostgreSQL
/// requires), trust authentication for the user <c>la</c>, stopped and deleted on dispose.
/// </summary>
public sealed class Postgres : IDisposable
{
    private readonly string _dir;
    private readonly string _bin;
    private readonly bool _asPostgresUser = Environment.UserName == "root";

    public Postgres()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
              ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql (tools/install-test-deps.sh installs postgresql-15)")
            : throw new InvalidOperationException("PostgreSQL is not installed (tools/install-test-deps.sh installs postgresql-15)");
        _dir = Directory.CreateTempSubdirectory("postgres-").FullName;
        Port = FreePort();
        if (_asPostgresUser)
        {
            Run("chown", "postgres:postgres", _dir);
        }

        Run(Path.Combine(_bin, "initdb"), "-D", Data, "-U", "la", "--auth=trust", "-E", "UTF8", "--no-sync");
        Run(Path.Combine(_bin, "pg_ctl"), "-D", Data, "-w", "-l", Path.Combine(_dir, "log"),
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=la;Database=postgres;Pooling=true";

    private string Data => Path.Combine(_dir, "data");

    public void Dispose()
    {
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), "-D", Data, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private void Run(string file, params string[] args)
    {
        var info = _asPostgresUser && file != "chown"
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", file } }
            : new ProcessStartInfo(file);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error} {output.Result}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
