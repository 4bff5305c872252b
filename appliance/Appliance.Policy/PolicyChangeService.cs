using Appliance.Core.Events;
using Appliance.Core.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Policy;

/// <summary>The outcome of a change: applied as a new version, or refused with every reason.</summary>
public sealed record PolicyChangeResult(bool Applied, PolicyVersion? Version, IReadOnlyList<string> Errors)
{
    /// <summary>Refused because the stored policy is no longer the version the change was made against (nothing recorded).</summary>
    public bool Stale { get; init; }
}

/// <summary>
/// The one way the policy changes — from the CLI today, the web UI and the Local Authority later: validate the
/// whole document (all or nothing), record it with who and why, then swap the engine's snapshot with one
/// reference write. A change that does not validate, or that has no actor or reason, is refused, recorded as
/// refused, and changes nothing. The lists are held here too, so a list refresh recompiles the current policy.
/// </summary>
public sealed partial class PolicyChangeService
{
    private readonly PolicyStore _store;
    private readonly PolicyEngine _engine;
    private readonly ILogger _logger;
    private readonly IAuditSink? _audit;
    private readonly Lock _lock = new();
    private PolicyLists _lists;
    private PolicyVersion _current;

    private PolicyChangeService(PolicyStore store, PolicyEngine engine, PolicyLists lists, PolicyVersion current, ILogger logger, IAuditSink? audit)
    {
        _audit = audit;
        _store = store;
        _engine = engine;
        _lists = lists;
        _current = current;
        _logger = logger;
    }

    public PolicyVersion Current => Volatile.Read(ref _current);

    public PolicyStore Store => _store;

    /// <summary>
    /// Loads the newest stored version (or stores <paramref name="seed"/> as version 1 on a new box), compiles it with
    /// <paramref name="lists"/> and puts it in <paramref name="engine"/>.
    /// </summary>
    /// <exception cref="PolicyException">The stored (or seed) document does not compile; the message names the fields.</exception>
    /// <exception cref="PolicyStoreException">The store cannot be read or written.</exception>
    /// <remarks>Every version stored and every refusal is also recorded in <paramref name="audit"/> (the hash-chained audit log).</remarks>
    public static PolicyChangeService Start(PolicyStore store, PolicyEngine engine, PolicyLists lists, PolicyDocument seed, string seedSource, ILogger logger,
        IAuditSink? audit = null)
    {
        var current = store.Current();
        if (current is null)
        {
            PolicyCompiler.Compile(seed, lists, 1);   // refuse a broken seed before storing it
            current = store.Append(seed, "system", $"first start: policy from {seedSource}", "initial policy");
            if (!Record(audit, current))
            {
                Log.NotAudited(logger, "initial policy");
            }
        }

        engine.Swap(PolicyCompiler.Compile(current.Document, lists, current.Version));
        Log.Loaded(logger, current.Version, current.Document.Groups.Count, current.Actor);
        return new PolicyChangeService(store, engine, lists, current, logger, audit);
    }

    /// <summary>Validates, records and applies a new policy document.</summary>
    /// <exception cref="PolicyStoreException">It validated but could not be saved; the running policy is unchanged.</exception>
    public PolicyChangeResult Apply(PolicyDocument document, string actor, string reason) => Apply(document, actor, reason, null);

    private PolicyChangeResult Apply(PolicyDocument document, string actor, string reason, long? basedOn)
    {
        lock (_lock)
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(actor))
            {
                errors.Add("actor: every change must say who made it");
            }

            if (string.IsNullOrWhiteSpace(reason))
            {
                errors.Add("reason: every change needs a written reason");
            }

            PolicySnapshot? snapshot = null;
            try
            {
                snapshot = PolicyCompiler.Compile(document, _lists, _current.Version + 1);
            }
            catch (PolicyException ex)
            {
                errors.AddRange(ex.Errors);
            }

            if (errors.Count > 0)
            {
                var who = string.IsNullOrWhiteSpace(actor) ? "(unknown)" : actor;
                _store.RecordRefusal(who, reason ?? "", string.Join("; ", errors));
                if (_audit?.Record(who, PolicyRefusedAction, "policy", AuditDetail.Of(("reason", reason), ("errors", errors))) == false)
                {
                    Log.NotAudited(_logger, "policy refusal");
                }
                Log.Refused(_logger, actor, errors.Count, string.Join("; ", errors));
                return new PolicyChangeResult(false, null, errors);
            }

            var summary = PolicyDiff.Describe(_current.Document, document);
            if (_store.Append(document, actor, reason, summary, basedOn) is not { } version)
            {
                // Another process (the CLI) stored a version between the check and this write: the store refused it.
                return new PolicyChangeResult(false, null, [$"the policy is now version {_store.LatestVersion()}, not version {basedOn} this change was made against"])
                {
                    Stale = true,
                };
            }

            if (!Record(_audit, version))
            {
                Log.NotAudited(_logger, $"policy v{version.Version}");
            }
            _engine.Swap(snapshot!.Version == version.Version ? snapshot : PolicyCompiler.Compile(document, _lists, version.Version));
            Volatile.Write(ref _current, version);
            Log.Applied(_logger, version.Version, actor, reason, summary);
            return new PolicyChangeResult(true, version, []);
        }
    }

    /// <summary>
    /// As <see cref="Apply(PolicyDocument, string, string)"/>, but only while the newest stored version is still <paramref name="basedOn"/>, checked under
    /// the same lock as the write: a change made against version N never silently overwrites a newer policy (one the CLI
    /// or another approval stored meanwhile).
    /// </summary>
    /// <exception cref="PolicyStoreException">It validated but could not be saved; the running policy is unchanged.</exception>
    public PolicyChangeResult ApplyIfCurrent(PolicyDocument document, string actor, string reason, long basedOn)
    {
        lock (_lock)
        {
            var latest = _store.LatestVersion();
            return latest == basedOn
                ? Apply(document, actor, reason, basedOn)
                : new PolicyChangeResult(false, null, [$"the policy is now version {latest}, not version {basedOn} this change was made against"]) { Stale = true };
        }
    }

    public const string PolicyAppliedAction = "policy.apply";
    public const string PolicyRefusedAction = "policy.refused";

    /// <summary>The audit entry of a stored version; its subject "policy vN" lets a start-up find versions the audit log missed.</summary>
    public static bool Record(IAuditSink? audit, PolicyVersion version, bool late = false)
        => audit is null || audit.Record(version.Actor, PolicyAppliedAction, $"policy v{version.Version}",
            AuditDetail.Of(("reason", version.Reason), ("summary", version.Summary), ("sha256", version.Sha256), ("recordedLate", late ? true : null)));

    /// <summary>
    /// Picks up a newer version stored by another process (the CLI on the same box); true when one was applied.
    /// </summary>
    /// <exception cref="PolicyException">The newer version does not compile here; the running one stays.</exception>
    public bool Refresh()
    {
        if (_store.LatestVersion() <= Volatile.Read(ref _current).Version)
        {
            return false;
        }

        lock (_lock)
        {
            var latest = _store.Current();
            if (latest is null || latest.Version <= _current.Version)
            {
                return false;
            }

            _engine.Swap(PolicyCompiler.Compile(latest.Document, _lists, latest.Version));
            Volatile.Write(ref _current, latest);
            Log.Applied(_logger, latest.Version, latest.Actor, latest.Reason, latest.Summary);
            return true;
        }
    }

    /// <summary>Recompiles the current policy with new lists (a refresh) and swaps it in; the old lists are returned to dispose later.</summary>
    public PolicyLists ReplaceLists(PolicyLists lists)
    {
        lock (_lock)
        {
            var snapshot = PolicyCompiler.Compile(_current.Document, lists, _current.Version);
            var old = _lists;
            _lists = lists;
            _engine.Swap(snapshot);
            return old;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Policy version {Version} loaded: {Groups} groups (by {Actor})")]
        public static partial void Loaded(ILogger logger, long version, int groups, string actor);

        [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Policy version {Version} applied by {Actor} ({Reason}): {Summary}")]
        public static partial void Applied(ILogger logger, long version, string actor, string reason, string summary);

        [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Policy change by {Actor} refused, {Count} problems: {Problems}")]
        public static partial void Refused(ILogger logger, string actor, int count, string problems);

        [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "ALERT: the audit log did not take the {What}; recorded at next start where possible")]
        public static partial void NotAudited(ILogger logger, string what);
    }
}
