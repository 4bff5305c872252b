using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Appliance.WebUI.Accounts;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The web UI's access rules beyond the first sign-in, over real HTTP against the appliance process: default deny,
/// sessions that end when the account changes, the authenticator's second step, and API tokens.
/// </summary>
public sealed partial class WebUiAccessTests : WebUiTest
{
    [Fact]
    public async Task A_reset_password_or_disabled_account_ends_that_persons_sessions_at_once_and_unnamed_endpoints_are_denied()
    {
        using var tech = await WebSession.TechnicianAsync(Appliance);
        using var teacher = await tech.AddAsync(Appliance, "teacher.one", "teacher", "teachers-password");
        Assert.Equal(HttpStatusCode.OK, (await teacher.Http.GetAsync("/account")).StatusCode);
        Assert.Matches(@"id=""rates"">Now: <strong>[\d.]+ queries/s</strong>", await teacher.Http.GetStringAsync("/"));   // the dashboard's rates

        // Default deny: a path no endpoint names is open to no one (signed in: 403; not signed in: the sign-in page).
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.Http.GetAsync("/no-such-page")).StatusCode);
        using var anonymous = new WebSession(Appliance);
        Assert.Equal("/login", (await anonymous.Http.GetAsync("/no-such-page")).RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/api/anything")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.Http.GetAsync("/api/health")).StatusCode);   // open to scripts, as before

        Assert.Contains("password is reset", await tech.PostAsync("/accounts/password", ("name", "teacher.one"), ("password", "a-brand-new-password")), StringComparison.Ordinal);
        Assert.Equal("/login", (await teacher.Http.GetAsync("/account")).RequestMessage!.RequestUri!.AbsolutePath);   // the old cookie is dead

        using var again = new WebSession(Appliance);
        Assert.Contains("<h1>Dashboard</h1>", await again.PostAsync("/login", ("name", "teacher.one"), ("password", "a-brand-new-password")), StringComparison.Ordinal);
        Assert.Contains("is disabled", await tech.PostAsync("/accounts/enabled", ("name", "teacher.one"), ("enabled", "false")), StringComparison.Ordinal);
        Assert.Equal("/login", (await again.Http.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("do not match", await new WebSession(Appliance).PostAsync("/login", ("name", "teacher.one"), ("password", "a-brand-new-password")),
            StringComparison.Ordinal);
        Assert.Contains("last technician", await tech.PostAsync("/accounts/remove", ("name", "tech")), StringComparison.Ordinal);
        using var audit = global::Appliance.Journal.Audit.AuditLog.Open(Path.Combine(Appliance.DataDir, global::Appliance.Host.Hosting.AuditSetup.StoreFile));
        var entries = audit.Tail(20);
        Assert.Contains(entries, e => e is { Actor: "tech", Action: "webui.account.disabled", Subject: "teacher.one" });
        Assert.Contains(entries, e => e is { Actor: "tech", Action: "webui.account.password-reset", Subject: "teacher.one" });
        Assert.DoesNotContain(entries, e => e.Detail.Contains("a-brand-new-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_authenticator_the_password_alone_gives_no_session_and_a_code_is_good_once()
    {
        using var tech = await WebSession.TechnicianAsync(Appliance);
        var offer = await tech.PostAsync("/account/second-factor");
        var key = KeyRegex().Match(offer).Groups[1].Value;
        var secret = Base32Decode(key);
        var carried = CarriedRegex().Match(offer).Groups[1].Value;
        var on = await tech.PostAsync("/account/second-factor/confirm", ("key", WebUtility.HtmlDecode(carried)), ("code", Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow))));
        Assert.Contains("authenticator is set up", on, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await tech.Http.GetAsync("/accounts")).StatusCode);   // this session continues

        using var login = new WebSession(Appliance);
        var step = await login.PostAsync("/login", ("name", "tech"), ("password", WebSession.TechnicianPassword));
        Assert.Contains("authenticator code", step, StringComparison.Ordinal);
        Assert.Equal("/login", (await login.Http.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath);   // no session yet
        Assert.Contains("does not match", await login.PostAsync("/login/code", ("code", "000000")), StringComparison.Ordinal);

        // The code just used to turn it on is spent; the next step's code is within the ±1 step allowed for drift.
        var next = Totp.StepAt(DateTimeOffset.UtcNow) + 1;
        Assert.Contains("<h1>Dashboard</h1>", await login.PostAsync("/login/code", ("code", Totp.Code(secret, next))), StringComparison.Ordinal);

        using var replay = new WebSession(Appliance);
        await replay.PostAsync("/login", ("name", "tech"), ("password", WebSession.TechnicianPassword));
        Assert.Contains("does not match", await replay.PostAsync("/login/code", ("code", Totp.Code(secret, next))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_token_acts_as_its_role_and_is_refused_once_revoked()
    {
        using var tech = await WebSession.TechnicianAsync(Appliance);
        var page = await tech.PostAsync("/accounts/tokens", ("name", "governors report script"), ("role", "governor"), ("days", "30"));
        var token = NewTokenRegex().Match(page).Groups[1].Value;
        Assert.StartsWith("sgw_", token, StringComparison.Ordinal);

        using var script = new HttpClient { BaseAddress = tech.Http.BaseAddress };
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Forbidden, (await script.GetAsync("/api/anything")).StatusCode);   // a governor, signed in by token: default deny
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/health")).StatusCode);
        Assert.Equal("/login", (await script.GetAsync("/accounts")).RequestMessage!.RequestUri!.AbsolutePath);   // pages do not take tokens

        using var forged = new HttpClient { BaseAddress = tech.Http.BaseAddress };
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sgw_" + new string('A', 43));
        var refused = await forged.GetAsync("/api/anything");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // A change through /api on a session cookie must be JSON: a plain form (from a page elsewhere on the school's site) is refused.
        var formPost = await tech.Http.PostAsync("/api/policy/proposals/1/approve", WebSession.Form());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, formPost.StatusCode);

        var id = RevokeIdRegex().Match(page).Groups[1].Value;
        Assert.Contains("token is revoked", await tech.PostAsync("/accounts/tokens/revoke", ("id", id)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/anything")).StatusCode);
    }

    private static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }

    [GeneratedRegex("<code id=\"totp-key\">([A-Z2-7]+)</code>")]
    private static partial Regex KeyRegex();

    [GeneratedRegex("name=\"key\" value=\"([^\"]+)\"")]
    private static partial Regex CarriedRegex();

    [GeneratedRegex("id=\"new-token\" readonly value=\"([^\"]+)\"")]
    private static partial Regex NewTokenRegex();

    [GeneratedRegex("name=\"id\" value=\"(\\d+)\"")]
    private static partial Regex RevokeIdRegex();
}
