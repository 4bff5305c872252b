using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.TestSupport;

/// <summary>
/// A real Mosquitto 2 broker (Debian's) for fleet tests, started on a loopback port with password authentication,
/// the reference's per-appliance ACLs (<c>%u</c>) and <c>use_username_as_clientid</c>, optionally TLS, and
/// persistence in its own directory. <see cref="Kill"/> is a SIGKILL to its own PID; <see cref="Start"/> brings it
/// back on the same port.
/// </summary>
public sealed class Mosquitto : IDisposable
{
    public const string La = "LA1";
    public const string Password = "secret-for-tests";

    private readonly string _dir;
    private Process? _process;
    private readonly StringBuilder _log = new();

    /// <param name="users">Appliance ids given the password <see cref="Password"/> (la-ingest and la-ops always are).</param>
    /// <param name="tls">Server certificate and key (PEM) for a TLS listener; with <c>ClientCa</c>, client certificates
    /// signed by it are required and their CN is the user name (<c>use_identity_as_username</c>), as the reference advises for mTLS.</param>
    public Mosquitto(IEnumerable<string> users, (string Cert, string Key, string? ClientCa)? tls = null)
    {
        _dir = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        Port = FreePort();
        var passwords = Path.Combine(_dir, "passwd");
        foreach (var user in users.Concat(["la-ingest", "la-ops"]).Distinct())
        {
            Run("mosquitto_passwd", File.Exists(passwords) ? ["-b", passwords, user, Password] : ["-c", "-b", passwords, user, Password]);
        }

        File.WriteAllText(Path.Combine(_dir, "acl"), $"""
            pattern write la/{La}/sch/+/apl/%u/up/#
            pattern read la/{La}/sch/+/apl/%u/down/#
            pattern read la/{La}/bcast/#

            user la-ingest
            topic read la/{La}/sch/+/apl/+/up/#
            topic write la/{La}/sch/+/apl/+/down/ack

            user la-ops
            topic write la/{La}/sch/+/apl/+/down/cmd/#
            topic write la/{La}/sch/+/apl/+/down/desired
            topic read la/{La}/sch/+/apl/+/up/#

            """);
        var tlsLines = tls is { } t
            ? $"certfile {t.Cert}\nkeyfile {t.Key}\n" + (t.ClientCa is null ? "" : $"cafile {t.ClientCa}\nrequire_certificate true\nuse_identity_as_username true\n")
            : "";
        File.WriteAllText(Path.Combine(_dir, "mosquitto.conf"), $"""
            per_listener_settings false
            user {Environment.UserName}
            allow_anonymous false
            password_file {passwords}
            acl_file {Path.Combine(_dir, "acl")}
            persistence true
            persistence_location {_dir}/
            autosave_interval 1
            max_queued_messages 100000
            log_dest stderr
            log_type error
            log_type warning
            listener {Port} 127.0.0.1
            use_username_as_clientid true
            {tlsLines}
            """);
        Start();
    }

    public int Port { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        var info = new ProcessStartInfo("mosquitto") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(_dir, "mosquitto.conf"));
        _process = new Process { StartInfo = info };
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited at start ({_process.ExitCode}): {Log}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"mosquitto did not listen on {Port}: {Log}");
    }

    /// <summary>SIGKILL: no goodbye, no final snapshot (what was only in memory is lost, as in a crash).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: the broker stops reading and answering, its sockets stay open (a hung or unreachable LA).</summary>
    public void Pause() => Signal(19);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(18);

    private void Signal(int signal)
    {
        if (_process is { HasExited: false } p)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }
    }

    public void Dispose()
    {
        Resume();
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static void Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {error}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
