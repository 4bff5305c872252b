using System.Collections.Concurrent;
using Appliance.Core.Events;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;

namespace Appliance.WebUI.Activity;

/// <summary>
/// Looking at pupils' activity is itself processing of their personal data (UK GDPR Art. 5(2), accountability): every
/// search and timeline is recorded in the audit log — who looked, at whom, with which filters — before anything is
/// shown, and nothing is shown if it cannot be recorded. The same look repeated within <see cref="Quiet"/> (a reload,
/// the next page, the live view's polls every few seconds) is recorded once, so the log says who looked at what
/// without a line per poll.
/// </summary>
public sealed class ActivityAudit(AuditLog audit, TimeProvider time)
{
    /// <summary>An identical look (same person, same filters) within this long is not recorded again.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string, string, string, string), DateTimeOffset> _recent = new();

    /// <summary>Records the look; false when the audit log could not store it (the caller then shows nothing).</summary>
    public bool Record(HttpContext context, string action, string subject, string detail)
    {
        var actor = Frames.SignedIn(context.User)?.Name ?? "?";
        var now = time.GetUtcNow();
        var key = (actor, action, subject, detail);
        if (_recent.TryGetValue(key, out var last) && now - last < Quiet)
        {
            return true;
        }

        try
        {
            audit.Append(actor, action, subject, detail);
        }
        catch (JournalException)
        {
            return false;
        }

        if (_recent.Count > 10_000)
        {
            _recent.Clear();   // a cap on memory; at worst a look is recorded twice
        }

        _recent[key] = now;
        return true;
    }

    /// <summary>Records a search: the subject is whom it looks at (a user, a device, or everyone), the detail every filter.</summary>
    public bool Search(HttpContext context, ActivityRequest request)
    {
        var subject = request.User.Length > 0 ? "user " + request.User : request.Device.Length > 0 ? "device " + request.Device : "everyone";
        return Record(context, "activity.search", subject, AuditDetail.Of(("user", Blank(request.User)), ("device", Blank(request.Device)),
            ("group", Blank(request.Group)), ("name", Blank(request.Name)), ("match", Blank(request.Match)), ("category", Blank(request.Category)),
            ("blocked", request.BlockedOnly ? true : null), ("from", Blank(request.From)), ("to", Blank(request.To))));
    }

    public const string CannotRecord = "This look could not be recorded in the audit log (is the disk full?), so nothing is shown. Tell the technician.";

    private static string? Blank(string text) => text.Length == 0 ? null : text;
}
