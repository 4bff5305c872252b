using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;
using Appliance.Journal.Audit;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The Users, Guests and Wi-Fi joining pages over real HTTP against the appliance with RADIUS on (issue 8): what a
/// technician imports, creates or disables, and what a teacher's guest voucher says, is what the RADIUS server then
/// accepts or refuses (radclient, PAP), and every change is in the audit log under the signed-in account.
/// </summary>
public sealed partial class WifiUsersWebTests : IAsyncLifetime
{
    private const string Secret = "the-access-points-long-secret";
    private const string TechPassword = "a-long-enough-password";
    private readonly string _dir = Directory.CreateTempSubdirectory("wifi-users-it-").FullName;
    private ApplianceProcess _appliance = null!;
    private int _authPort;

    public async Task InitializeAsync()
    {
        _authPort = Processes.FreePort();
        var config = Path.Combine(_dir, "appliance.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "radius": {
                "enabled": true,
                "listen": "127.0.0.1",
                "authPort": {{_authPort}},
                "accountingPort": {{Processes.FreePort()}},
                "serverName": "radius.school.test",
                "ssid": "Hillside Staff",
                "clients": [ { "name": "loopback-ap", "address": "127.0.0.0/8", "secret": "{{Secret}}" } ]
              }
            }
            """);
        _appliance = await ApplianceProcess.StartAsync(["--config", config], dataDir: Path.Combine(_dir, "data"));
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_technician_imports_all_or_nothing_creates_and_disables_users_and_RADIUS_follows()
    {
        using var tech = await Technician();

        // A bad line is refused by its number, and nothing at all is stored (the good lines neither).
        var bad = await Upload(tech, "username,kind,year,first name\r\nann.lee,pupil,7,Ann\r\nbad name,pupil,7,Bob\r\n");
        Assert.Contains("Nothing was stored: 1 bad line", bad, StringComparison.Ordinal);
        Assert.Matches(@"<tr><td>3</td><td>[^<]*bad name", bad);
        Assert.DoesNotContain("confirm-import", bad, StringComparison.Ordinal);
        Assert.Equal(0, (await ApiUsers(tech, "ann")).GetProperty("total").GetInt32());

        // A clean file: the dry run says what would change and stores nothing; the confirmation imports it.
        var dry = await Upload(tech, "username,kind,year,first name,password\r\nann.lee,pupil,7,Ann,\r\nben.ray,pupil,8,Ben,correct-horse-7\r\n");
        Assert.Contains("It would be: 2 new, 0 updated, 0 unchanged, 1 passwords to generate", dry, StringComparison.Ordinal);
        Assert.Equal(0, (await ApiUsers(tech, "ann")).GetProperty("total").GetInt32());
        var imported = await PostForm(tech, "/users/import/confirm", dry, ("token", ConfirmRegex().Match(dry).Groups[1].Value));
        Assert.Contains("Imported: 2 new, 0 updated, 0 unchanged.", imported, StringComparison.Ordinal);

        // The generated passwords are offered once; a second download finds nothing.
        var link = DownloadRegex().Match(imported).Groups[1].Value;
        var passwords = await tech.GetStringAsync(link);
        Assert.StartsWith("username,password,kind,group,year", passwords, StringComparison.Ordinal);
        var annPassword = Regex.Match(passwords, "ann.lee,([a-z0-9]+),").Groups[1].Value;
        Assert.Equal(10, annPassword.Length);
        Assert.DoesNotContain("ben.ray", passwords, StringComparison.Ordinal);   // his came in the file
        Assert.Equal(HttpStatusCode.Gone, (await tech.GetAsync(link)).StatusCode);
        Assert.Equal("Access-Accept", await Pap("ann.lee", annPassword));
        Assert.Equal("Access-Accept", await Pap("ben.ray", "correct-horse-7"));

        // The API says the same: a bad line by its number (422), nothing stored; a JSON add answers the generated password once.
        using var badCsv = new StringContent("username,kind\nerin.fox,pupil\nno good,pupil\n", Encoding.UTF8, "text/csv");
        var refused = await tech.PostAsync("/api/users/import", badCsv);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var refusal = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, refusal.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(0, (await ApiUsers(tech, "erin")).GetProperty("total").GetInt32());
        using var newUser = new StringContent("{\"name\": \"Fay.Gee\", \"kind\": \"pupil\", \"yearGroup\": 9}", Encoding.UTF8, "application/json");
        var created = await tech.PostAsync("/api/users", newUser);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var fay = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("fay.gee", 9), (fay.GetProperty("user").GetProperty("name").GetString(), fay.GetProperty("user").GetProperty("yearGroup").GetInt32()));
        Assert.Equal("Access-Accept", await Pap("fay.gee", fay.GetProperty("password").GetString()!));

        // Search by year; then add a member of staff, whose generated password is shown once and works.
        var year8 = await tech.GetStringAsync("/users?year=8");
        Assert.Contains("<td>ben.ray</td>", year8, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>ann.lee</td>", year8, StringComparison.Ordinal);
        var added = await PostForm(tech, "/users", null, ("name", "C.Dean"), ("kind", "staff"), ("firstName", "Carol"), ("lastName", "Dean"), ("password", ""));
        Assert.Contains("Added c.dean (staff, group staff).", added, StringComparison.Ordinal);
        var carolPassword = PasswordRegex().Match(added).Groups[1].Value;
        Assert.Equal(12, carolPassword.Length);
        Assert.Equal("Access-Accept", await Pap("c.dean", carolPassword));
        Assert.Contains("is one of the most common passwords", await PostForm(tech, "/users", null, ("name", "d.eve"), ("kind", "staff"), ("password", "welcome2school")), StringComparison.Ordinal);

        // Disabled on the page: RADIUS refuses her at once; the listing says so.
        var disabled = await PostForm(tech, "/users/disable", "/users", ("name", "c.dean"));
        Assert.Contains("Disabled c.dean", disabled, StringComparison.Ordinal);
        Assert.Equal("Access-Reject", await Pap("c.dean", carolPassword));
        Assert.Contains("<td>disabled</td>", await tech.GetStringAsync("/users?state=disabled"), StringComparison.Ordinal);

        // Audited under the signed-in technician, with no password anywhere in the log.
        using var audit = AuditLog.Open(Path.Combine(_appliance.DataDir, "audit.db"));
        var entries = audit.Tail(50);
        Assert.Contains(entries, e => e is { Actor: "tech", Action: "users.imported" });
        Assert.Contains(entries, e => e is { Actor: "tech", Action: "user.added", Subject: "c.dean" });
        Assert.Contains(entries, e => e is { Actor: "tech", Action: "user.disabled", Subject: "c.dean" });
        Assert.DoesNotContain(entries, e => e.Detail.Contains(carolPassword, StringComparison.Ordinal) || e.Detail.Contains(annPassword, StringComparison.Ordinal)
            || e.Detail.Contains("correct-horse-7", StringComparison.Ordinal));
        Assert.DoesNotContain(carolPassword, _appliance.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_teacher_sponsors_a_guest_whose_voucher_logs_in_sees_only_their_own_guests_and_gets_403_on_users()
    {
        using var tech = await Technician();
        foreach (var teacher in new[] { "teacher.a", "teacher.b" })
        {
            Assert.Contains($"Added {teacher} (teacher).", await PostForm(tech, "/accounts", null, ("name", teacher), ("role", "teacher"), ("password", TechPassword)), StringComparison.Ordinal);
        }

        using var a = await SignIn("teacher.a");
        using var b = await SignIn("teacher.b");
        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync("/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync("/users/import")).StatusCode);

        // The sponsor is the signed-in teacher, whatever the form says; the voucher shows the password once, the SSID and the fingerprint.
        var voucher = await PostForm(a, "/guests", null, ("reason", "Visiting author"), ("hours", "8"), ("sponsor", "teacher.b"));
        var name = Regex.Match(voucher, "id=\"voucher-name\" class=\"secret\">([^<]+)<").Groups[1].Value;
        var password = Regex.Match(voucher, "id=\"voucher-password\" class=\"secret\">([^<]+)<").Groups[1].Value;
        Assert.StartsWith("guest-", name, StringComparison.Ordinal);
        Assert.Equal(10, password.Length);
        Assert.Contains("Hillside Staff", voucher, StringComparison.Ordinal);
        Assert.Matches("id=\"sha256\">([0-9A-F]{2}:){31}[0-9A-F]{2}<", voucher);
        Assert.Contains("<dt>Sponsor</dt><dd>teacher.a</dd>", voucher, StringComparison.Ordinal);
        Assert.Equal("Access-Accept", await Pap(name, password));

        // The store's 30-day rule, said on the page.
        Assert.Contains("more than 30 days away", await PostForm(a, "/guests", null, ("reason", "Long visit"), ("hours", "721")), StringComparison.Ordinal);

        var other = await PostForm(b, "/guests", null, ("reason", "Governor visit"), ("hours", "2"), ("name", "visitor.b"));
        Assert.Contains("visitor.b", other, StringComparison.Ordinal);
        var aList = await a.GetStringAsync("/guests");
        Assert.Contains($"<td>{name}</td>", aList, StringComparison.Ordinal);
        Assert.DoesNotContain("visitor.b", aList, StringComparison.Ordinal);
        var aApi = JsonDocument.Parse(await a.GetStringAsync("/api/guests")).RootElement;
        Assert.Equal([name], aApi.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        Assert.Contains("visitor.b", await tech.GetStringAsync("/guests"), StringComparison.Ordinal);   // technicians see all
        using var apiGuest = new StringContent("{\"reason\": \"Parents' evening\", \"hours\": 3, \"sponsor\": \"teacher.b\"}", Encoding.UTF8, "application/json");
        var byApi = JsonDocument.Parse(await (await a.PostAsync("/api/guests", apiGuest)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("teacher.a", byApi.GetProperty("user").GetProperty("sponsor").GetString());
        Assert.Equal(10, byApi.GetProperty("password").GetString()!.Length);

        // A teacher cannot end another's guest; they can end their own, and RADIUS then refuses it.
        Assert.Contains("no guest 'visitor.b' among the guests you sponsor", await PostForm(a, "/guests/end", "/guests", ("name", "visitor.b")), StringComparison.Ordinal);
        Assert.Contains($"Ended {name}", await PostForm(a, "/guests/end", "/guests", ("name", name)), StringComparison.Ordinal);
        Assert.Equal("Access-Reject", await Pap(name, password));

        using var audit = AuditLog.Open(Path.Combine(_appliance.DataDir, "audit.db"));
        Assert.Contains(audit.Tail(50), e => e is { Actor: "teacher.a", Action: "user.added" } && e.Subject == name && e.Detail.Contains("Visiting author", StringComparison.Ordinal));
        Assert.DoesNotContain(audit.Tail(50), e => e.Detail.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Everyone_signed_in_sees_the_joining_steps_and_downloads_the_CA_and_the_Apple_profile()
    {
        using var tech = await Technician();
        Assert.Contains("Added gov (governor).", await PostForm(tech, "/accounts", null, ("name", "gov"), ("role", "governor"), ("password", TechPassword)), StringComparison.Ordinal);
        using var governor = await SignIn("gov");
        var page = await governor.GetStringAsync("/wifi");
        Assert.Contains("<h1>Joining the Wi-Fi</h1>", page, StringComparison.Ordinal);
        Assert.Contains("Android 11 and later", page, StringComparison.Ordinal);
        var sha256 = Regex.Match(page, "id=\"sha256\">([^<]+)<").Groups[1].Value;
        Assert.Contains(sha256, _appliance.Output, StringComparison.Ordinal);   // the fingerprint the server logged at start

        var ca = await governor.GetAsync("/wifi/ca.pem");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await ca.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var profile = await governor.GetAsync("/wifi/school-wifi.mobileconfig");
        Assert.Equal("application/x-apple-aspen-config", profile.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<string>Hillside Staff</string>", await profile.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await governor.GetAsync("/guests")).StatusCode);
    }

    private async Task<HttpClient> Technician()
    {
        var browser = Browser();
        var code = Regex.Match(_appliance.Output, "Web UI setup code: ([A-Z0-9-]+)").Groups[1].Value;
        var page = await PostForm(browser, "/setup", null, ("code", code), ("name", "tech"), ("password", TechPassword));
        Assert.Contains("<h1>Dashboard</h1>", page, StringComparison.Ordinal);
        return browser;
    }

    private async Task<HttpClient> SignIn(string name)
    {
        var browser = Browser();
        Assert.Contains("<h1>Dashboard</h1>", await PostForm(browser, "/login", null, ("name", name), ("password", TechPassword)), StringComparison.Ordinal);
        return browser;
    }

    private HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{_appliance.WebPort}"),
    };

    // Fetches a page (the one posted to, or another with a form) for its anti-forgery token, then posts the form as a browser would.
    private static async Task<string> PostForm(HttpClient browser, string path, string? tokenPage, params (string Name, string Value)[] fields)
    {
        var page = tokenPage is { } other && other.StartsWith('<') ? other : await browser.GetStringAsync(tokenPage ?? path);
        var token = TokenRegex().Match(page).Groups[1].Value;
        var response = await browser.PostAsync(path, new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("__af", token)]));
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());   // as read on screen: "guest&#x27;s" is "guest's"
    }

    private static async Task<string> Upload(HttpClient browser, string csv)
    {
        var token = TokenRegex().Match(await browser.GetStringAsync("/users/import")).Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__af" },
            { new StringContent(""), "kind" },
        };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "pupils.csv");
        var response = await browser.PostAsync("/users/import", form);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> ApiUsers(HttpClient browser, string search) =>
        JsonDocument.Parse(await browser.GetStringAsync($"/api/users?search={search}")).RootElement;

    // A PAP Access-Request as an access point sends it (RFC 2865), with a Message-Authenticator (RFC 3579): the reply's code.
    private async Task<string> Pap(string user, string password)
    {
        var input = Path.Combine(_dir, $"{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(input, $"User-Name = \"{user}\", User-Password = \"{password}\", Message-Authenticator = 0x00\n");
        var result = await Processes.RunAsync("radclient", ["-x", "-r", "1", "-t", "5", "-f", input, $"127.0.0.1:{_authPort.ToString(CultureInfo.InvariantCulture)}", "auth", Secret]);
        return Regex.Match(result.All, "Received (Access-[A-Za-z]+)").Groups[1].Value is { Length: > 0 } code ? code : result.All;
    }

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex("name=\"token\" value=\"([0-9a-f]+)\"")]
    private static partial Regex ConfirmRegex();

    [GeneratedRegex("id=\"passwords-download\" href=\"([^\"]+)\"")]
    private static partial Regex DownloadRegex();

    [GeneratedRegex("id=\"new-password\" class=\"secret\">([^<]+)<")]
    private static partial Regex PasswordRegex();
}

/// <summary>With RADIUS off there is no user store to change: the pages say so plainly and the API answers 503.</summary>
public sealed class WifiUsersOffWebTests
{
    [Fact]
    public async Task The_users_guests_and_joining_pages_say_RADIUS_is_off()
    {
        using var appliance = await ApplianceProcess.StartAsync([]);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri($"http://127.0.0.1:{appliance.WebPort}") };
        var setup = await browser.GetStringAsync("/setup");
        var code = Regex.Match(appliance.Output, "Web UI setup code: ([A-Z0-9-]+)").Groups[1].Value;
        var token = Regex.Match(setup, "name=\"__af\" value=\"([^\"]+)\"").Groups[1].Value;
        await browser.PostAsync("/setup", new FormUrlEncodedContent([KeyValuePair.Create("code", code), KeyValuePair.Create("name", "tech"),
            KeyValuePair.Create("password", "a-long-enough-password"), KeyValuePair.Create("__af", token)]));

        foreach (var path in new[] { "/users", "/guests", "/wifi", "/users/import" })
        {
            var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
            Assert.Contains("Wi-Fi sign-in (RADIUS) is off in this appliance's settings", page, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await browser.GetAsync("/api/users")).StatusCode);
        Assert.False(File.Exists(Path.Combine(appliance.DataDir, "users.db")));
    }
}
