using System.Security.Claims;
using System.Text;
using Appliance.Core.Events;
using Appliance.Radius.Users;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests;

/// <summary>The rules the Users and Guests pages add on top of the user store: sponsors, who sees which guest, imports in memory, one-time tokens.</summary>
public sealed class WifiUsersTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webui-users-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly Audit _audit = new();
    private readonly UserStore _store;

    public WifiUsersTests() => _store = UserStore.Open(_dir, _audit, new UserStoreOptions { Pbkdf2Iterations = 1_000 }, _time);

    [Fact]
    public void A_teacher_always_sponsors_their_own_guests_a_technician_may_name_another_and_each_teacher_sees_only_theirs()
    {
        var byTeacher = UserActions.AddGuest(Context("teacher.a", WebRole.Teacher), _store, null, "teacher.b", "Visiting author", 8, null, "staff");
        Assert.Equal("teacher.a", byTeacher.User.Sponsor);   // the form's sponsor is ignored for a teacher
        Assert.Equal("guests", byTeacher.User.Group);        // and so is a group
        Assert.Equal(_time.GetUtcNow().AddHours(8), byTeacher.User.ExpiresAt);
        var byTech = UserActions.AddGuest(Context("tech", WebRole.Technician), _store, "visitor.b", "Teacher.B", "Governor visit", null, _time.GetUtcNow().AddDays(2), null);
        Assert.Equal("Teacher.B", byTech.User.Sponsor);
        Assert.Contains(_audit.Entries, e => e is ("tech", "user.added", "visitor.b", _));

        Assert.Equal([byTeacher.User.Name], UserActions.GuestsFor(_store, new WebAccount("teacher.a", WebRole.Teacher)).Select(g => g.Name));
        Assert.Equal(["visitor.b"], UserActions.GuestsFor(_store, new WebAccount("teacher.b", WebRole.Teacher)).Select(g => g.Name));   // sponsor matched without case
        Assert.Equal(2, UserActions.GuestsFor(_store, new WebAccount("tech", WebRole.Technician)).Count);

        var refused = Assert.Throws<UserInputException>(() => UserActions.EndGuest(_store, new WebAccount("teacher.a", WebRole.Teacher), "visitor.b"));
        Assert.Equal("no guest 'visitor.b' among the guests you sponsor", refused.Message);
        Assert.True(_store.Get("visitor.b")!.Enabled);
        Assert.False(UserActions.EndGuest(_store, new WebAccount("teacher.b", WebRole.Teacher), "visitor.b").Enabled);
        Assert.Equal("ended", UserActions.State(_store.Get("visitor.b")!, _time.GetUtcNow()));
    }

    [Fact]
    public void A_guest_needs_a_positive_stay_within_the_stores_30_days()
    {
        var teacher = Context("teacher.a", WebRole.Teacher);
        Assert.Contains("a number of hours or an end time", Assert.Throws<UserInputException>(() => UserActions.AddGuest(teacher, _store, null, null, "Visit", null, null, null)).Message, StringComparison.Ordinal);
        Assert.Contains("not a positive number", Assert.Throws<UserInputException>(() => UserActions.AddGuest(teacher, _store, null, null, "Visit", -1, null, null)).Message, StringComparison.Ordinal);
        Assert.Contains("more than 30 days away", Assert.Throws<UserInputException>(() => UserActions.AddGuest(teacher, _store, null, null, "Visit", 721, null, null)).Message, StringComparison.Ordinal);
        Assert.Empty(_store.ListAll(new UserQuery()));
    }

    [Fact]
    public void An_import_keeps_the_generated_passwords_in_memory_only_and_a_dry_run_stores_nothing()
    {
        const string Csv = "username,kind,year\r\nann.lee,pupil,7\r\nben.ray,pupil,8\r\n";
        var (dry, none) = UserImportEndpoints.Run(_store, Csv, null, papOnly: false, dryRun: true, "tech");
        Assert.Equal((2, false, null), (dry.Added, dry.Applied, none));
        Assert.Empty(_store.ListAll(new UserQuery()));

        var (report, passwords) = UserImportEndpoints.Run(_store, Csv, null, papOnly: false, dryRun: false, "tech");
        Assert.Equal((2, 2, true), (report.Added, report.PasswordsGenerated, report.Applied));
        var lines = Encoding.UTF8.GetString(passwords!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("username,password,kind,group,year", lines[0]);
        var ann = lines[1].Split(',');
        Assert.Equal("ann.lee", ann[0]);
        Assert.Equal(CredentialOutcome.Accepted, _store.CheckPassword("ann.lee", Encoding.UTF8.GetBytes(ann[1])).Outcome);
        Assert.Empty(Directory.GetFiles(_dir, "*.csv", SearchOption.AllDirectories));
        Assert.DoesNotContain(_audit.Entries, e => e.Detail.Contains(ann[1], StringComparison.Ordinal));

        Assert.Equal(["ben.ray"], _store.List(new UserQuery { YearGroup = 8 }).Users.Select(u => u.Name));
    }

    [Fact]
    public void A_stashed_item_is_taken_once_by_its_owner_before_it_expires()
    {
        var stash = new OneTimeStash<string>(_time, TimeSpan.FromMinutes(30), capacity: 3);
        var token = stash.Put("tech", "passwords");
        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.Null(stash.Take("other.tech", token));
        Assert.Equal("passwords", stash.Take("tech", token));
        Assert.Null(stash.Take("tech", token));

        var late = stash.Put("tech", "late");
        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(stash.Take("tech", late));

        var tokens = Enumerable.Range(0, 5).Select(i => stash.Put("tech", $"upload {i}")).ToList();
        Assert.Equal(3, stash.Count);   // the oldest make room
        Assert.Null(stash.Take("tech", tokens[0]));
        Assert.Equal("upload 4", stash.Take("tech", tokens[4]));
    }

    [Fact]
    public void The_search_form_names_a_bad_field_and_its_links_keep_the_filter()
    {
        Assert.Equal("Year: 'seven' is not a year group (0 for Reception, 1 to 14).", new UserFilter(null, null, null, "seven", null).ToQuery().Problem);
        Assert.Equal("Kind: 'teacher' is not staff, pupil or guest.", new UserFilter(null, "teacher", null, null, null).ToQuery().Problem);
        Assert.Equal("State: 'locked' is not enabled or disabled.", new UserFilter(null, null, null, null, "locked").ToQuery().Problem);
        var (query, _) = new UserFilter(" lee ", "pupil", "pupils", "7", "disabled", 50).ToQuery();
        Assert.Equal((UserKind.Pupil, 7, false, 50), (query!.Kind, query.YearGroup, query.Enabled, query.Offset));
        Assert.Equal("/users?search=a%26b&year=7&offset=100", new UserFilter("a&b", "", null, "7", null).Link(100));
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private HttpContext Context(string name, WebRole role) => new DefaultHttpContext
    {
        User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, WebRoles.Name(role))], "test")),
        RequestServices = new ServiceCollection().AddSingleton<TimeProvider>(_time).BuildServiceProvider(),
    };

    private sealed class Audit : IAuditSink
    {
        public List<(string Actor, string Action, string Subject, string Detail)> Entries { get; } = [];

        public bool Record(string actor, string action, string subject, string detail)
        {
            Entries.Add((actor, action, subject, detail));
            return true;
        }
    }
}
