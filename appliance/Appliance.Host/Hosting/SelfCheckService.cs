using System.Net;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Journal.Checks;
using Appliance.Protocols.Dns;

namespace Appliance.Host.Hosting;

/// <summary>
/// Checks that filtering works and keeps the record (<see cref="CheckLog"/>) the governors' report shows: every five
/// minutes a probe goes through each UDP listener's receive loop (<see cref="FilteringProbe"/>) and Firefox's
/// DoH canary, <c>use-application-dns.net</c>, must be answered NXDOMAIN by the running policy (the answer that keeps
/// browsers' own encrypted DNS off). The watchdog and the panel probe more often but keep no record.
/// </summary>
public sealed partial class SelfCheckService(DnsService dns, PolicyEngine engine, CheckLog checks, TimeProvider time, IHostApplicationLifetime lifetime,
    ILogger<SelfCheckService> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The first check waits this long after the start: its probe is a packet from 127.0.0.1 like any other, and must not
    /// take a token of that address's rate limit just as a script on the box starts asking.
    /// </summary>
    public static readonly TimeSpan FirstAfter = TimeSpan.FromSeconds(20);
    private static readonly byte[] CanaryName = DnsName.Encode("use-application-dns.net");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await Task.Delay(FirstAfter, time, stoppingToken);
        using var timer = new PeriodicTimer(Every, time);
        do
        {
            var problem = !await FilteringProbe.LoopsAnswerAsync(dns.Server, TimeSpan.FromSeconds(1), stoppingToken)
                ? "a DNS listener did not answer the probe"
                : CanaryProblem();
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

    // The running policy must answer Firefox's DoH canary NXDOMAIN. Asked of the engine the resolver uses, not sent as a
    // query: a real query would be journalled, counted, sent to the LA and charged to 127.0.0.1's rate limit every five
    // minutes, as if someone at the box had asked it.
    private string? CanaryProblem()
    {
        var facts = new RequestFacts(CanaryName, 1, ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 0)), RequestSource.DnsUdp, time.GetUtcNow());
        return engine.Decide(facts).Action == VerdictAction.NxDomain ? null : "the DoH canary use-application-dns.net is not answered NXDOMAIN";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "A self-check was not recorded: {Problem}")]
        public static partial void NotRecorded(ILogger logger, string problem);
    }
}
