using System.Globalization;
using Appliance.Core.Events;
using Appliance.Host.Configuration;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.Policy;

namespace Appliance.Host.Hosting;

/// <summary>The audit log at start-up: open it, catch up on policy versions it missed, and record a changed configuration.</summary>
public static partial class AuditSetup
{
    public const string StoreFile = "audit.db";
    public const string ConfigChangedAction = "config.changed";

    /// <exception cref="ConfigException">The audit log cannot be opened; the message names the file.</exception>
    public static AuditLog Open(ApplianceSettings settings)
    {
        try
        {
            return AuditLog.Open(Path.Combine(settings.DataDir, StoreFile));
        }
        catch (JournalException ex)
        {
            throw new ConfigException(ex.Message, ex);
        }
    }

    /// <summary>
    /// A crash between storing a policy version and auditing it would leave the version unaudited: record any such
    /// version now, marked as recorded late.
    /// </summary>
    /// <returns>Versions recorded.</returns>
    public static int RecordMissedPolicyVersions(AuditLog audit, PolicyStore store, ILogger logger)
    {
        var last = audit.Last(PolicyChangeService.PolicyAppliedAction)?.Subject is { } subject
            && subject.StartsWith("policy v", StringComparison.Ordinal)
            && long.TryParse(subject.AsSpan("policy v".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var recorded = 0;
        for (var version = last + 1; version <= store.LatestVersion(); version++)
        {
            if (store.Get(version) is { } missed)
            {
                if (!PolicyChangeService.Record(audit, missed, late: true))
                {
                    Log.NotAudited(logger, audit.Path);
                    break;
                }

                recorded++;
            }
        }

        return recorded;
    }

    /// <summary>Records the configuration the box starts with when it differs from the last one recorded.</summary>
    public static bool RecordConfiguration(AuditLog audit, ApplianceSettings settings, ILogger logger)
    {
        var last = audit.Last(ConfigChangedAction);
        if (last is not null && last.Subject == settings.ConfigSource && last.Detail.Contains($"\"{settings.ConfigSha256}\"", StringComparison.Ordinal))
        {
            return false;
        }

        if (!((IAuditSink)audit).Record("system", ConfigChangedAction, settings.ConfigSource, AuditDetail.Of(("sha256", settings.ConfigSha256), ("version", Program.Version))))
        {
            Log.NotAudited(logger, audit.Path);
            return false;
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "ALERT: the audit log {Path} cannot be written (full disk?); the box keeps filtering")]
        public static partial void NotAudited(ILogger logger, string path);
    }
}
