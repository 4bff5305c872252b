using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Dns;
using Appliance.Host.Configuration;

namespace Appliance.Host.Hosting;

/// <summary>Runs the resolver for the host's lifetime. A bind failure stops start-up with a clear message.</summary>
public sealed partial class DnsService : IHostedService, IDisposable
{
    private readonly ILogger<DnsService> _logger;

    // identities: who is behind an address when RADIUS accounting runs (issue 7); without it clients are placed by subnet.
    public DnsService(ApplianceSettings settings, PolicyEngine policy, EventRing<QueryEvent> events, TimeProvider time, ILoggerFactory loggers,
        ILogger<DnsService> logger, Appliance.Core.Identity.IIdentityMap? identities = null)
    {
        _logger = logger;
        Server = new DnsServer(settings.Dns, policy, events, time, loggers, identities);
    }

    public DnsServer Server { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Server.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new StartupException($"cannot serve DNS: {ex.Message} ({ex.SocketErrorCode}); is another resolver using the port, or does this user lack the right to bind it?", ex);
        }

        // The addresses of the safe-search names, so the first search of the day is answered enforced at once.
        Server.WarmSafeSearch();
        foreach (var endPoint in Server.EndPoints)
        {
            Log.Listening(_logger, endPoint, Server.Engine);
        }

        foreach (var upstream in Server.Forwarder.Servers)
        {
            Log.Upstream(_logger, upstream);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Server.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DNS listening on {EndPoint} (udp+tcp, udp engine {Engine})")]
        public static partial void Listening(ILogger logger, System.Net.IPEndPoint endPoint, UdpEngine engine);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "DNS upstream {Upstream}")]
        public static partial void Upstream(ILogger logger, Appliance.Dns.Upstream.UpstreamServer upstream);
    }
}

/// <summary>Start-up could not complete for a reason the operator can fix; exit code 1 with this message.</summary>
public sealed class StartupException : Exception
{
    public StartupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException()
    {
    }
}
