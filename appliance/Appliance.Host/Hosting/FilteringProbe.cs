using System.Net;
using System.Net.Sockets;

namespace Appliance.Host.Hosting;

/// <summary>
/// Whether filtering works, asked the hard way: a probe query goes through every UDP listener's real receive loop and
/// must come back. The probe is a STATUS-opcode query, answered NOTIMP by the loop without touching cache, upstreams
/// or policy. The systemd watchdog beats on it, and the panel's red LED lights without it.
/// </summary>
public static class FilteringProbe
{
    private static readonly byte[] Probe = [0x00, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];   // opcode 2 (STATUS), no question

    /// <summary>True when every UDP listener's receive loop answered a probe within <paramref name="timeout"/>.</summary>
    public static async Task<bool> LoopsAnswerAsync(Appliance.Dns.DnsServer server, TimeSpan timeout, CancellationToken cancel)
    {
        foreach (var endPoint in server.EndPoints)
        {
            var target = endPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, endPoint.Port)
                : endPoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port)
                : endPoint;
            using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            wait.CancelAfter(timeout);
            try
            {
                socket.Connect(target);
                var probe = (byte[])Probe.Clone();
                probe[0] = (byte)Random.Shared.Next(256);
                await socket.SendAsync(probe, SocketFlags.None, wait.Token);
                var answer = new byte[512];
                var n = await socket.ReceiveAsync(answer, SocketFlags.None, wait.Token);
                if (n < 12 || answer[0] != probe[0] || (answer[2] & 0x80) == 0)
                {
                    return false;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                if (cancel.IsCancellationRequested)
                {
                    throw;
                }

                return false;
            }
        }

        return true;
    }
}
