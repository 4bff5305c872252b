using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Journal.Audit;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Lessons;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary>
/// The web UI in this test process on a loopback port, as the host maps it (<c>AddWebUi</c>, <c>MapWebUi</c>), with a
/// real <see cref="LessonPlanner"/> on a temporary <see cref="LessonStore"/>, a policy whose pupils block games (and
/// whose lists hold a games site, a malware site and a statutory entry), a real audit log and a
/// <see cref="FakeLessonDesk"/>. Sessions sign in through /login as a browser would, with the page's form token.
/// </summary>
public sealed partial class LessonWebHost : IAsyncDisposable
{
    public const string Password = "a-long-enough-password";
    public const string AllowedSite = "https://maps.example/volcanoes";
    public const string BlockedSite = "https://www.arcade.example/lava-game";
    public const string StatutorySite = "http://abuse.example/";
    public const string SecuritySite = "https://evil.example/";

    /// <summary>A Wednesday, 10:00 in London (GMT): lessons on the days after are upcoming.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly string _dir;

    private LessonWebHost(WebApplication app, string dir, LessonPlanner planner, AuditLog audit, FakeLessonDesk desk, FakeTimeProvider time)
        => (_app, _dir, Planner, Audit, Desk, Time) = (app, dir, planner, audit, desk, time);

    public LessonPlanner Planner { get; }

    public AuditLog Audit { get; }

    public FakeLessonDesk Desk { get; }

    public FakeTimeProvider Time { get; }

    public Uri BaseAddress => new(_app.Urls.First());

    /// <param name="lessonsOn">False: the host registers no planner and no desk, as when lessons are off.</param>
    public static async Task<LessonWebHost> StartAsync(bool lessonsOn = true)
    {
        var dir = Directory.CreateTempSubdirectory("lesson-web-").FullName;
        var time = new FakeTimeProvider(Now);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dir, EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        var audit = AuditLog.Open(Path.Combine(dir, "audit.db"), time);
        builder.Services.AddSingleton(audit);
        var engine = new PolicyEngine(Policy());
        builder.Services.AddSingleton(engine);
        var planner = new LessonPlanner(LessonStore.Open(Path.Combine(dir, "lessons", "lessons.db")), () => engine.Snapshot, audit, time);
        var desk = new FakeLessonDesk(time);
        if (lessonsOn)
        {
            builder.Services.AddSingleton(planner);
            builder.Services.AddSingleton<ILessonDesk>(desk);
        }

        builder.Services.AddWebUi(dir);
        var app = builder.Build();
        app.MapWebUi();
        await app.StartAsync();
        var accounts = app.Services.GetRequiredService<AccountStore>();
        foreach (var (name, role) in new[] { ("tech", WebRole.Technician), ("ms.teach", WebRole.Teacher), ("mr.other", WebRole.Teacher), ("dsl", WebRole.Dsl),
            ("dsl.two", WebRole.Dsl), ("head", WebRole.Head) })
        {
            Assert.Null(accounts.Add(name, role, Password));
        }

        return new LessonWebHost(app, dir, planner, audit, desk, time);
    }

    /// <summary>Pupils block games; staff block nothing; malware is a security category; abuse.example is on a statutory list.</summary>
    public static PolicySnapshot Policy()
    {
        var document = new PolicyDocument
        {
            DefaultGroup = "pupils",
            Groups = [new GroupDefinition { Name = "pupils", BlockedCategories = ["games"] }, new GroupDefinition { Name = "staff" }],
        };
        var blocked = new DomainSetBuilder();
        blocked.Add("arcade.example", Categories.Bit(Category.Games));
        blocked.Add("evil.example", Categories.Bit(Category.Malware));
        var statutory = new DomainSetBuilder();
        statutory.Add("abuse.example", Categories.Bit(Category.StatutoryIwf));
        return PolicyCompiler.Compile(document, new PolicyLists(blocked.Build(), new DomainSetBuilder().Build(), statutory.Build()), 1);
    }

    /// <summary>A browser-like session signed in as <paramref name="name"/> (cookies kept, redirects followed).</summary>
    public async Task<Session> SignInAsync(string name)
    {
        var session = new Session(new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress });
        var dashboard = await session.PostFormAsync("/login", "/login", ("name", name), ("password", Password));
        Assert.Contains("<h1>Dashboard</h1>", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Planner.Store.Dispose();
        Audit.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One person's cookie jar, forms posted with the token of the page they were on, and JSON calls.</summary>
    public sealed partial class Session(HttpClient http) : IDisposable
    {
        public HttpClient Http { get; } = http;

        /// <summary>Opens <paramref name="page"/> for its form token (as a browser has it), then posts the form to <paramref name="action"/>.</summary>
        public async Task<HttpResponseMessage> PostFormAsync(string page, string action, params (string Name, string Value)[] fields)
        {
            var token = TokenRegex().Match(await Http.GetStringAsync(page)).Groups[1].Value;
            Assert.NotEmpty(token);
            return await Http.PostAsync(action, Form([.. fields, ("__af", token)]));
        }

        public static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
            new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

        public Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string json) =>
            Http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

        public void Dispose() => Http.Dispose();

        [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
        private static partial Regex TokenRegex();
    }
}
