using Appliance.Core.Events;
using Appliance.Core.Policy;

namespace Appliance.Lessons.Plans;

/// <summary>
/// The lesson operations the web UI and the API call, with who may do what (issue 9): teachers plan their own
/// lessons; each site is classified against the running policy when it is added; a site in a blocked category waits
/// for a DSL or technician, who approves or rejects it with a reason, never on a lesson of their own; a statutory or
/// security site is refused outright. Every change is audited, and <see cref="Changed"/> tells the scheduler.
/// </summary>
public sealed class LessonPlanner
{
    private readonly LessonStore _store;
    private readonly Func<PolicySnapshot> _policy;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;

    public LessonPlanner(LessonStore store, Func<PolicySnapshot> policy, IAuditSink audit, TimeProvider time)
        => (_store, _policy, _audit, _time) = (store, policy, audit, time);

    /// <summary>Raised after any change to a plan or a site's status (outside the store's lock).</summary>
    public event Action? Changed;

    public LessonStore Store => _store;

    /// <summary>The plans this actor may see: a teacher their own, everyone else all of them.</summary>
    public IReadOnlyList<LessonPlan> Visible(LessonActor actor)
        => actor.Role == LessonRole.Teacher ? _store.List(actor.Name) : _store.List();

    /// <summary>One plan if this actor may see it, else null (a teacher cannot tell another's lesson from none).</summary>
    public LessonPlan? Get(LessonActor actor, long id)
        => _store.Get(id) is { } plan && MaySee(actor, plan) ? plan : null;

    /// <exception cref="LessonException">The draft has errors (each names its field); nothing was stored.</exception>
    /// <exception cref="LessonAccessException">A viewer tried to plan.</exception>
    public LessonPlan Create(LessonActor actor, LessonDraft draft)
    {
        if (actor.Role == LessonRole.Viewer)
        {
            throw new LessonAccessException("only teachers, DSLs and technicians plan lessons");
        }

        var plan = Build(draft, actor.Name, actor.Name, id: 0, previous: null);
        plan = _store.Add(plan);
        Audit(actor, "lesson.create", plan, ("title", plan.Title), ("sites", plan.Sites.Count), ("pending", plan.Sites.Count(s => s.Status == SiteStatus.Pending)));
        Changed?.Invoke();
        return plan;
    }

    /// <summary>
    /// Replaces a plan's details and sites. A site whose address is unchanged keeps its decision; a new one is
    /// classified afresh (so an approved site cannot be swapped for another address behind the approver's back).
    /// </summary>
    /// <returns>The plan as stored, or null when there is no such plan this actor may see.</returns>
    public LessonPlan? Update(LessonActor actor, long id, LessonDraft draft)
    {
        if (_store.Get(id) is not { } current || !MaySee(actor, current))
        {
            return null;
        }

        EnsureMayChange(actor, current);
        var plan = Build(draft, current.Teacher, actor.Name, id, current);
        if (!_store.Update(plan))
        {
            return null;
        }

        Audit(actor, "lesson.update", plan, ("title", plan.Title), ("sites", plan.Sites.Count), ("pending", plan.Sites.Count(s => s.Status == SiteStatus.Pending)));
        Changed?.Invoke();
        return _store.Get(id);
    }

    /// <returns>False when there is no such plan this actor may see.</returns>
    public bool Delete(LessonActor actor, long id)
    {
        if (_store.Get(id) is not { } current || !MaySee(actor, current))
        {
            return false;
        }

        EnsureMayChange(actor, current);
        if (!_store.Delete(id))
        {
            return false;
        }

        Audit(actor, "lesson.delete", current, ("title", current.Title));
        Changed?.Invoke();
        return true;
    }

    /// <summary>Approves or rejects a pending site, with a reason.</summary>
    /// <exception cref="LessonAccessException">Not a DSL or technician, or the lesson is their own.</exception>
    /// <exception cref="LessonException">No reason, no such site, or it is not pending any more.</exception>
    public LessonSite Decide(LessonActor actor, long lessonId, long siteId, bool approve, string reason)
    {
        if (actor.Role != LessonRole.Approver)
        {
            throw new LessonAccessException("only a DSL or a technician approves lesson sites");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new LessonException("reason: say why the site is approved or rejected (it is kept in the audit log)");
        }

        var plan = _store.Get(lessonId) ?? throw new LessonException($"lesson {lessonId}: there is no such lesson");
        var site = plan.Sites.FirstOrDefault(s => s.Id == siteId) ?? throw new LessonException($"site {siteId}: not a site of lesson {lessonId}");
        if (string.Equals(plan.Teacher, actor.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new LessonAccessException("this is your own lesson: another DSL or technician must decide its sites");
        }

        if (string.Equals(site.AddedBy, actor.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new LessonAccessException("you added this site to the lesson: another DSL or technician must decide it");
        }

        var status = approve ? SiteStatus.Approved : SiteStatus.Rejected;
        var words = approve ? $"approved by {actor.Name}" : $"rejected by {actor.Name}";
        if (!_store.SetStatus(siteId, SiteStatus.Pending, status, words, actor.Name, _time.GetUtcNow(), reason.Trim()))
        {
            throw new LessonException($"site {siteId}: it is {LessonStore.Name(site.Status)}, not waiting for a decision (someone may have decided it already)");
        }

        Audit(actor, approve ? "lesson.site.approve" : "lesson.site.reject", plan, ("site", site.Url), ("host", site.Host), ("reason", reason.Trim()), ("was", site.StatusReason));
        Changed?.Invoke();
        return site with { Status = status, StatusReason = words, DecidedBy = actor.Name, DecisionReason = reason.Trim() };
    }

    /// <summary>
    /// Re-judges every usable site against the running policy (lists and policy change after a plan is made): a site
    /// that went straight in but is now in a blocked category waits for approval again; any site now on a statutory
    /// list or in a security category is refused, approved or not. Returns how many sites changed.
    /// </summary>
    public int Reclassify()
    {
        var policy = _policy();
        var now = _time.GetUtcNow();
        var changed = 0;
        foreach (var plan in _store.List())
        {
            var at = LessonCalendar.Next(plan.Timing, policy.Clock.Zone, policy.Terms, now)?.Start ?? now;
            var groups = LessonRules.GroupsOf(policy, plan.Group);
            foreach (var site in plan.Sites.Where(s => s.IsUsable))
            {
                var (status, why) = LessonRules.Classify(policy, site.Host, groups, at);
                var next = (site.Status, status) switch
                {
                    (_, SiteStatus.Refused) => SiteStatus.Refused,
                    (SiteStatus.Allowed, SiteStatus.Pending) => SiteStatus.Pending,
                    _ => site.Status,
                };
                if (next != site.Status && _store.SetStatus(site.Id, site.Status, next, why))
                {
                    changed++;
                    _audit.Record("system", "lesson.site.reclassify", plan.Key,
                        AuditDetail.Of(("site", site.Url), ("host", site.Host), ("from", LessonStore.Name(site.Status)), ("to", LessonStore.Name(next)), ("reason", why)));
                }
            }
        }

        if (changed > 0)
        {
            Changed?.Invoke();
        }

        return changed;
    }

    private static bool MaySee(LessonActor actor, LessonPlan plan)
        => actor.Role != LessonRole.Teacher || string.Equals(plan.Teacher, actor.Name, StringComparison.OrdinalIgnoreCase);

    private static void EnsureMayChange(LessonActor actor, LessonPlan plan)
    {
        if (actor.Role == LessonRole.Viewer)
        {
            throw new LessonAccessException($"lesson {plan.Id} can be changed by its teacher, a DSL or a technician");
        }
    }

    private LessonPlan Build(LessonDraft draft, string teacher, string by, long id, LessonPlan? previous)
    {
        var policy = _policy();
        var now = _time.GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, policy.Clock.Zone).DateTime);
        var errors = LessonRules.Validate(draft, policy, previous is null ? today : DateOnly.MinValue);
        if (errors.Count > 0)
        {
            throw new LessonException(errors);
        }

        var group = string.IsNullOrWhiteSpace(draft.Group) ? null : policy.Groups[policy.GroupIndex(draft.Group.Trim())].Name;
        var room = string.IsNullOrWhiteSpace(draft.Room) ? null : draft.Room.Trim();
        var at = LessonCalendar.Next(draft.Timing, policy.Clock.Zone, policy.Terms, now)?.Start ?? now;
        var groups = LessonRules.GroupsOf(policy, group);
        var sites = new List<LessonSite>();
        foreach (var s in draft.Sites)
        {
            if (!LessonRules.TryParseSiteUrl(s.Url, out var url, out var error))
            {
                throw new LessonException(error);   // Validate passed it, so this is not reached
            }

            var host = url.IdnHost.TrimEnd('.').ToLowerInvariant();
            var kept = previous?.Sites.FirstOrDefault(p => p.Url == url.AbsoluteUri && sites.All(k => k.Id != p.Id));
            // A decision was for this address, this class or room, and these times: change any of them and it is asked again.
            var sameLesson = previous is not null && previous.Group == group && previous.Room == room && previous.Timing == draft.Timing;
            if (kept is not null && sameLesson)
            {
                sites.Add(kept with { Note = s.Note.Trim() });
                continue;
            }

            var (status, why) = LessonRules.Classify(policy, host, groups, at);
            sites.Add(new LessonSite(0, url.AbsoluteUri, host, s.Note.Trim(), status, why, null, null, null) { AddedBy = by });
        }

        return new LessonPlan(id, draft.Title.Trim(), teacher, group, room, draft.Timing, sites, previous?.CreatedAt ?? now);
    }

    private void Audit(LessonActor actor, string action, LessonPlan plan, params (string, object?)[] fields)
        => _audit.Record(actor.Name, action, plan.Key, AuditDetail.Of([("teacher", plan.Teacher), .. fields]));
}
