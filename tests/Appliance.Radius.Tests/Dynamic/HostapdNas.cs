using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.TestSupport;

namespace Appliance.Radius.Tests.Dynamic;

/// <summary>
/// A real NAS: Debian's hostapd with <c>driver=wired</c> doing IEEE 802.1X on one end of a veth pair, with its RADIUS
/// Dynamic Authorization Server (radius_das_*) on UDP 3799 requiring Message-Authenticator. Two network namespaces of
/// the test's own, nothing in the root namespace:
/// <code>
///   [rdas-…  NAS namespace]                                              [rdas-…  supplicant namespace]
///     hostapd (wired, nas0) ── EAPOL over veth ──────────────────────────── sup0  wpa_supplicant (EAP-MD5, "guest1")
///       │ Access-Request → 127.0.0.1:1812  a second hostapd as the RADIUS authentication server (EAP-MD5 user file)
///       │ Accounting     → 127.0.0.1:1813  the test's RadiusServer (the appliance's), when the test starts one
///       └ DAS on :3799   ← Disconnect-Requests from 127.0.0.1 (sockets the test makes inside this namespace)
/// </code>
/// hostapd's own EAP server stands in for ours (being written elsewhere); EAP-MD5 needs no certificates. Every process
/// is stopped by its PID and both namespaces are deleted on <see cref="Dispose"/>.
/// </summary>
internal sealed class HostapdNas : IDisposable
{
    public const string Secret = "a-long-shared-secret-for-tests";
    public const string NasIdentifier = "hall-ap";
    public const string GuestName = "guest1";

    /// <summary>The supplicant's MAC, fixed so a test can say it let that device in (the Calling-Station-Id hostapd reports).</summary>
    public const string SupplicantMac = "02:00:00:00:00:42";
    public const int AccountingPort = 1813;
    public const int DasPort = 3799;

    private readonly string _directory = Directory.CreateTempSubdirectory("hostapd-das-").FullName;
    private readonly List<(Process Process, StringBuilder Output, string Name)> _processes = [];

    public HostapdNas()
    {
        Nas = NetworkNamespace.Create("rdas");
        Supplicant = NetworkNamespace.Create("rdas");
        try
        {
            NetworkNamespace.Run("ip", "link", "add", "nas0", "netns", Nas.Name, "type", "veth", "peer", "name", "sup0", "address", SupplicantMac,
                "netns", Supplicant.Name);
            Nas.Exec("ip", "link", "set", "nas0", "up");
            Supplicant.Exec("ip", "link", "set", "sup0", "up");
            File.WriteAllText(Path("eap_users"), $"\"{GuestName}\" MD5 \"guest password\"\n");
            File.WriteAllText(Path("as.clients"), $"127.0.0.1/32 {Secret}\n");
            File.WriteAllText(Path("as.conf"), $"""
                driver=none
                interface=lo
                eap_server=1
                eap_user_file={Path("eap_users")}
                radius_server_clients={Path("as.clients")}
                radius_server_auth_port=1812

                """);
            File.WriteAllText(Path("nas.conf"), $"""
                interface=nas0
                driver=wired
                ieee8021x=1
                eapol_version=2
                use_pae_group_addr=1
                own_ip_addr=127.0.0.1
                nas_identifier={NasIdentifier}
                auth_server_addr=127.0.0.1
                auth_server_port=1812
                auth_server_shared_secret={Secret}
                acct_server_addr=127.0.0.1
                acct_server_port={AccountingPort}
                acct_server_shared_secret={Secret}
                radius_das_port={DasPort}
                radius_das_client=127.0.0.1 {Secret}
                radius_das_require_message_authenticator=1

                """);
            File.WriteAllText(Path("wpa.conf"), $$"""
                ap_scan=0
                network={
                  key_mgmt=IEEE8021X
                  eap=MD5
                  identity="{{GuestName}}"
                  password="guest password"
                  eapol_flags=0
                }

                """);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetworkNamespace Nas { get; }

    public NetworkNamespace Supplicant { get; }

    public IPEndPoint DasEndPoint => new(IPAddress.Loopback, DasPort);

    /// <summary>Starts the authentication server and the NAS, and waits until the NAS's port is up.</summary>
    public async Task StartNasAsync()
    {
        Start("hostapd (RADIUS server)", Nas, "hostapd", "-d", Path("as.conf"));
        var nas = Start("hostapd (NAS)", Nas, "hostapd", "-d", Path("nas.conf"));
        await Eventually.True(() => Output(nas).Contains("AP-ENABLED", StringComparison.Ordinal), TimeSpan.FromSeconds(10), Logs);
    }

    /// <summary>Starts wpa_supplicant on the other end of the wire and waits for its EAP-Success.</summary>
    public async Task ConnectSupplicantAsync()
    {
        var supplicant = Start("wpa_supplicant", Supplicant, "wpa_supplicant", "-D", "wired", "-i", "sup0", "-c", Path("wpa.conf"), "-d");
        await Eventually.True(() => Output(supplicant).Contains("CTRL-EVENT-EAP-SUCCESS", StringComparison.Ordinal), TimeSpan.FromSeconds(15), Logs);
    }

    /// <summary>A UDP socket inside the NAS's namespace: the Disconnect client's, so that it reaches hostapd on 127.0.0.1.</summary>
    public Socket CreateSocket(IPEndPoint endPoint) => Nas.Enter(() => new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp));

    /// <summary>Waits until the NAS has logged <paramref name="text"/>: its output reaches us through a pipe, a little after it acts.</summary>
    public Task NasLoggedAsync(string text) =>
        Eventually.True(() => _processes.Count > 1 && Output(1).Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(5),
            () => $"hostapd did not log \"{text}\"\n{Logs()}");

    /// <summary>Everything every process wrote, for a failure message.</summary>
    public string Logs()
    {
        lock (_processes)
        {
            return string.Join("\n", _processes.Select((p, i) => $"===== {p.Name} =====\n{Output(i)}"));
        }
    }

    private string Output(int index)
    {
        var output = _processes[index].Output;
        lock (output)
        {
            return output.ToString();
        }
    }

    private int Start(string name, NetworkNamespace ns, params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        // stdbuf -oL: hostapd and wpa_supplicant printf their log, which a pipe would hold back until exit; stdbuf execs
        // the program, as `ip netns exec` does, so the PID stays the program's own.
        foreach (var argument in (string[])["netns", "exec", ns.Name, "stdbuf", "-oL", .. command])
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();   // this PID is hostapd's or wpa_supplicant's own
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_processes)
        {
            _processes.Add((process, output, name));
            return _processes.Count - 1;
        }
    }

    private string Path(string file) => System.IO.Path.Combine(_directory, file);

    public void Dispose()
    {
        foreach (var (process, _, _) in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();   // this PID only: the process the test started
                    process.WaitForExit(5000);
                }
            }
            finally
            {
                process.Dispose();
            }
        }

        Supplicant?.Dispose();
        Nas?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
