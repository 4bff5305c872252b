using System.Security.Claims;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Activity;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests;

/// <summary>The Activity page's input, rows, rendering and auditing, without a server (the HTTP test is in the integration tests).</summary>
public sealed class ActivityPageTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("activity-ui-").FullName;
    private readonly FakeTimeProvider _time = new(Noon);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ActivityRequest Request(params (string Key, string Value)[] fields) =>
        ActivityRequest.Parse(new QueryCollection(fields.ToDictionary(f => f.Key, f => new StringValues(f.Value))));

    private static ActivityRow Row(long id, string name, string client = "10.20.1.5", string? user = "alice", ReasonCode reason = ReasonCode.DnsBlockedCategory,
        ulong categories = 1UL << (int)Category.SocialMedia, RequestSource source = RequestSource.DnsUdp) =>
        new(id, new JournalEntry(Noon, client, user, "secondary", name, 1, (ushort)reason, 3, (byte)QueryEventFlags.Blocked, categories, 0, source));

    [Fact]
    public void Parse_reads_every_filter_and_names_the_field_that_is_wrong()
    {
        var request = Request(("user", " alice "), ("device", "10.20.1.5"), ("name", "TikTok.com."), ("match", "domain"), ("category", "social-media"),
            ("blocked", "on"), ("from", "2026-11-25T11:00"), ("to", "2026-11-25T13:00:30Z"), ("before", "500"));

        var filter = request.Filter!;
        Assert.Equal(("alice", "10.20.1.5", "tiktok.com", NameMatch.Domain, Categories.Bit(Category.SocialMedia), true),
            (filter.User, filter.Client, filter.Name, filter.NameMatch, filter.Categories, filter.BlockedOnly));
        Assert.Equal((Noon.AddHours(-1), Noon.AddHours(1).AddSeconds(30)), (filter.From!.Value, filter.To!.Value));
        Assert.Equal(500, request.Before);
        Assert.Equal("/activity?user=alice&device=10.20.1.5&name=TikTok.com.&match=domain&category=social-media&blocked=on&from=2026-11-25T11%3A00&to=2026-11-25T13%3A00%3A30Z&before=400",
            request.Link("/activity", "before=400"));
        Assert.False(Request().Filtered);
        Assert.Equal("/activity?after=7", Request().Link("/activity", "after=7"));

        Assert.Equal("'bingo' is not a category.", Request(("category", "bingo")).Problem);
        Assert.Contains("'From' is not a time", Request(("from", "yesterday")).Problem, StringComparison.Ordinal);
        Assert.Equal("'From' is after 'To'.", Request(("from", "2026-11-25T13:00"), ("to", "2026-11-25T12:00")).Problem);
        Assert.Contains("'before' is not an event number", Request(("before", "-1")).Problem, StringComparison.Ordinal);
        Assert.Null(Request(("match", "regex")).Filter);
    }

    [Fact]
    public void Rows_show_names_for_codes_and_statutory_hits_as_redacted_never_their_hash()
    {
        var row = ActivityRowView.From(Row(7, "www.tiktok.com", source: RequestSource.TlsSni));
        Assert.Equal(("2026-11-25 12:00:00", "Blocked: blocked category", "social-media", "TLS SNI", ""), (row.Time, row.Outcome, row.Categories, row.Source, row.Type));
        Assert.Equal("/activity/timeline?by=user&who=alice&at=2026-11-25T12%3A00%3A00.000Z&id=7", row.Timeline);
        Assert.Equal("/activity/timeline?by=device&who=10.20.1.5&at=2026-11-25T12%3A00%3A00.000Z&id=7", ActivityRowView.From(Row(7, "x", user: null)).Timeline);

        var statutory = ActivityRowView.From(Row(8, "h-0123456789abcdef01234567.statutory-iwf.statutory.invalid", reason: ReasonCode.DnsBlockedStatutory,
            categories: Categories.Bit(Category.StatutoryIwf)));
        Assert.Equal(("statutory-iwf", "Redacted (statutory-iwf list hit)", "Blocked: blocked statutory"), (statutory.RedactedList, statutory.NameText, statutory.Outcome));
        Assert.True(ActivityRowView.IsPseudonym("anon-0a1b2c3d4e5f"));
        Assert.False(ActivityRowView.IsPseudonym("alice"));
    }

    [Fact]
    public async Task The_page_renders_rows_paging_links_and_the_live_script_without_inline_script_or_style()
    {
        var request = Request(("user", "alice"));
        var rows = new[]
        {
            ActivityRowView.From(Row(9, "h-0123456789abcdef01234567.statutory-terrorism.statutory.invalid", reason: ReasonCode.DnsBlockedStatutory)),
            ActivityRowView.From(Row(8, "games.example", client: "anon-0a1b2c3d4e5f", user: "anon-aaaaaaaaaaaa")),
        };
        var frame = new PageFrame("Activity", new WebAccount("dsl", WebRole.Dsl), "__af", "token", "/activity");
        var page = new ActivitySearchPage(frame, request, rows, request.Link("/activity", "before=8"), request.Link("/activity", "after=9"), null, null, true, 9);

        using var writer = new StringWriter();
        await Slices.Activity.Create(page).RenderAsync(writer);
        var html = writer.ToString();

        Assert.Contains("<h1>Activity</h1>", html, StringComparison.Ordinal);
        Assert.Contains("Redacted (statutory-terrorism list hit)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("h-0123456789abcdef", html, StringComparison.Ordinal);
        Assert.Contains("anon-0a1b2c3d4e5f (pseudonym)", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/activity?user=alice&amp;before=8\"", html, StringComparison.Ordinal);
        Assert.Contains("data-newest=\"9\"", html, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/activity.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Single(html.Split("<script").Skip(1));   // the one script is the embedded asset
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.Contains("value=\"alice\"", html, StringComparison.Ordinal);
        Assert.Contains("recorded in the audit log", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_look_is_audited_once_per_quiet_period_with_whom_and_the_filters()
    {
        using var audit = AuditLog.Open(Path.Combine(_dir, "audit.db"), _time);
        var auditor = new ActivityAudit(audit, _time);
        var context = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "dsl"), new Claim(ClaimTypes.Role, "dsl")], "test")),
        };
        var before = audit.Tail(100).Count;

        Assert.True(auditor.Search(context, Request(("user", "alice"), ("blocked", "on"))));
        Assert.True(auditor.Search(context, Request(("user", "alice"), ("blocked", "on"), ("before", "100"))));   // the next page: the same look
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.True(auditor.Search(context, Request(("user", "alice"), ("blocked", "on"))));
        Assert.True(auditor.Search(context, Request(("device", "10.20.1.5"))));

        var entries = audit.Tail(100).Skip(before).ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal(("dsl", "activity.search", "user alice", "{\"user\":\"alice\",\"blocked\":true}"), (entries[0].Actor, entries[0].Action, entries[0].Subject, entries[0].Detail));
        Assert.Equal("device 10.20.1.5", entries[2].Subject);
    }
}
