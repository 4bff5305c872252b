using System.Net;
using System.Net.Sockets;
using Appliance.Journal;
using Appliance.Journal.Checks;
using Appliance.Protocols.Dns;

namespace Appliance.Host.Hosting;

/// <summary>
/// Checks that filtering works and keeps the record (<see cref="CheckLog"/>) the governors' report shows: every five
/// minutes a probe goes through each UDP listener's receive loop (<see cref="FilteringProbe"/>) and Firefox's
/// DoH canary, <c>use-application-dns.net</c>, is asked of the first listener and must come back NXDOMAIN (the policy's
/// answer that keeps browsers' own encrypted DNS off). The watchdog and the panel probe more often but keep no record.
/// </summary>
public sealed partial class SelfCheckService(DnsService dns, CheckLog checks, TimeProvider time, IHostApplicationLifetime lifetime,
    ILogger<SelfCheckService> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(5);
    private static readonly byte[] CanaryName = DnsName.Encode("use-application-dns.net");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        using var timer = new PeriodicTimer(Every, time);
        do
        {
            var problem = !await FilteringProbe.LoopsAnswerAsync(dns.Server, TimeSpan.FromSeconds(1), stoppingToken)
                ? "a DNS listener did not answer the probe"
                : await CanaryProblemAsync(stoppingToken);
            try
            {
                checks.Record(time.GetUtcNow(), CheckLog.FilteringKind, "resolver", problem is null, problem);
            }
            catch (JournalException ex)
            {
                Log.NotRecorded(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    // RFC 1035 §4.1: a query (RD set) for the canary's A record; the answer must carry our id and RCODE 3 (NXDOMAIN).
    private async Task<string?> CanaryProblemAsync(CancellationToken cancel)
    {
        if (dns.Server.EndPoints is not [var endPoint, ..])
        {
            return "no DNS listener";
        }

        var target = endPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, endPoint.Port)
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port)
            : endPoint;
        var id = (ushort)Random.Shared.Next(ushort.MaxValue);
        byte[] query = [(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. CanaryName, 0, 1, 0, 1];
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            socket.Connect(target);
            await socket.SendAsync(query, SocketFlags.None, wait.Token);
            var answer = new byte[512];
            var n = await socket.ReceiveAsync(answer, SocketFlags.None, wait.Token);
            return n >= 12 && answer[0] == query[0] && answer[1] == query[1] && (answer[3] & 0x0F) == 3
                ? null
                : "the DoH canary use-application-dns.net was not answered NXDOMAIN";
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return $"the DoH canary got no answer: {ex.Message}";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "A self-check was not recorded: {Problem}")]
        public static partial void NotRecorded(ILogger logger, string problem);
    }
}
