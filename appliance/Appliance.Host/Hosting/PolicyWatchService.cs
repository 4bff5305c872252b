using Appliance.Core.Policy;
using Appliance.Policy;

namespace Appliance.Host.Hosting;

/// <summary>
/// Applies policy versions that another process stored (<c>appliance policy set</c> on the same box): every
/// two seconds the store's newest version number is read, and a newer one is compiled and swapped in. A version
/// that does not compile here (it validated when stored, but say a time zone vanished) is logged and skipped;
/// the running policy stays.
/// </summary>
public sealed partial class PolicyWatchService(PolicyChangeService changes, TimeProvider time, ILogger<PolicyWatchService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await Tick(timer, stoppingToken))
        {
            try
            {
                changes.Refresh();
            }
            catch (Exception ex) when (ex is PolicyException or PolicyStoreException)
            {
                Log.Failed(logger, ex.Message);
            }
        }
    }

    // False when the host stops: a cancelled wait is the normal end, not an error worth a critical log line.
    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "A stored policy version could not be applied; the running policy stays: {Problem}")]
        public static partial void Failed(ILogger logger, string problem);
    }
}
