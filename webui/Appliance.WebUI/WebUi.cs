using System.Security.Claims;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.WebUI;

/// <summary>
/// The web UI in the appliance's process (issue 8): cookie sessions (HttpOnly, SameSite=Strict, Secure over HTTPS, 8 h
/// sliding), anti-forgery on every form, security headers on every response, and the pages. No default credentials: a
/// one-time setup code, printed at start while no account exists, creates the first technician.
/// </summary>
public static partial class WebUi
{
    private const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string SignInLimit = "sign-in";

    /// <summary>A failed sign-in answers after this, so guessing is slow even before the lockout.</summary>
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(1);

    public static void AddWebUi(this IServiceCollection services, string dataDir)
    {
        services.AddSingleton(_ => AccountStore.Open(dataDir));
        // The keys that sign session cookies and form tokens, kept with the box's other keys: a restart (or an in-process
        // restart for new LA settings) must not sign everyone out, and they must not sit in $HOME unencrypted.
        var keys = Path.Combine(dataDir, "keys", "webui");
        if (!OperatingSystem.IsWindows())
        {
            // keys/ itself too: it also holds the users' NT-hash key and the RADIUS Class key (0700 whoever makes it first).
            const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(Path.GetDirectoryName(keys)!, Private);
            Directory.CreateDirectory(keys, Private);
        }

        services.AddDataProtection().SetApplicationName("appliance-webui").PersistKeysToFileSystem(new DirectoryInfo(keys));

        // Guessing is slowed per address before any account lockout: 10 sign-in or setup posts a minute from one address.
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "-",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddAuthentication(Scheme).AddCookie(options =>
        {
            options.Cookie.Name = "appliance.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.LoginPath = "/login";
            options.LogoutPath = "/logout";
            options.AccessDeniedPath = "/denied";
            // A signed-in user without the role gets 403 on the spot (not a redirect that a script would follow to 200).
            options.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        services.AddAuthorization();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "appliance.af";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.FormFieldName = "__af";
        });
    }

    public static void MapWebUi(this WebApplication app)
    {
        app.Use(SecurityHeaders);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(RejectForgedForms);
        app.UseRateLimiter();
        PrintSetupCode(app);   // now, before the listener starts: it is in the log before "ready"

        app.MapGet("/ui.css", () => Results.Text(Styles.Css, "text/css"));
        app.MapGet("/", ShowDashboard).RequireAuthorization();
        app.MapGet("/setup", ShowSetup);
        app.MapPost("/setup", SetupAsync).RequireRateLimiting(SignInLimit);
        app.MapGet("/login", ShowLogin);
        app.MapPost("/login", LoginAsync).RequireRateLimiting(SignInLimit);
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(Scheme);
            return Results.Redirect("/login");
        }).RequireAuthorization().WithMetadata(new RequireAntiforgeryTokenAttribute());   // it reads no form, so say it
        app.MapGet("/denied", () => Results.StatusCode(StatusCodes.Status403Forbidden));
        app.MapGet("/accounts", ShowAccounts).RequireRoles(WebRole.Technician);
        app.MapPost("/accounts", AddAccount).RequireRoles(WebRole.Technician);
    }

    // Handlers are declared IResult: the request delegate generator cannot see the types the Razor generator makes.
#pragma warning disable CA1859
    private static IResult ShowDashboard(HttpContext context, AccountStore accounts, IServiceProvider services)
    {
        if (!accounts.HasAccounts)
        {
            return Results.Redirect("/setup");
        }

        var facts = services.GetService<IDashboardSource>()?.Read()
            ?? new DashboardFacts("?", "unknown", 0, 0, [], [], null, null, null);
        return Slices.Dashboard.Create(new DashboardPage(Frame(context, "Dashboard"), facts));
    }

    private static IResult ShowSetup(HttpContext context, AccountStore accounts) =>
        accounts.HasAccounts ? Results.Redirect("/login") : Slices.Setup.Create(new SetupPage(Frame(context, "Set up"), null));

    private static IResult ShowLogin(HttpContext context, AccountStore accounts, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
        !accounts.HasAccounts ? Results.Redirect("/setup") : Slices.Login.Create(new LoginPage(Frame(context, "Sign in"), null, returnUrl));

    private static IResult ShowAccounts(HttpContext context, AccountStore accounts) =>
        Slices.Accounts.Create(new AccountsPage(Frame(context, "Accounts"), accounts.List(), null, false));

    private static IResult AddAccount(HttpContext context, AccountStore accounts, [FromForm] string name, [FromForm] string role, [FromForm] string password)
    {
        var problem = WebRoles.TryParse(role, out var parsed) ? accounts.Add(name, parsed, password) : $"'{role}' is not a role.";
        var message = problem ?? $"Added {name.Trim().ToLowerInvariant()} ({WebRoles.Name(parsed)}).";
        return Slices.Accounts.Create(new AccountsPage(Frame(context, "Accounts"), accounts.List(), message, problem is not null));
    }
#pragma warning restore CA1859

    private static async Task<IResult> SetupAsync(HttpContext context, AccountStore accounts, [FromForm] string code, [FromForm] string name, [FromForm] string password)
    {
        if (accounts.CompleteSetup(code, name, password) is { } problem)
        {
            await Task.Delay(FailureDelay);
            return Slices.Setup.Create(new SetupPage(Frame(context, "Set up"), problem));
        }

        await SignInAsync(context, new WebAccount(name.Trim().ToLowerInvariant(), WebRole.Technician));
        return Results.Redirect("/");
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AccountStore accounts, [FromForm] string name, [FromForm] string password,
        [FromForm] string? returnUrl)
    {
        var (outcome, account) = accounts.SignIn(name, password);
        if (outcome != SignInOutcome.Accepted)
        {
            await Task.Delay(FailureDelay);
            var error = outcome == SignInOutcome.LockedOut
                ? "Too many failed attempts: this account is locked for 15 minutes."
                : "That name and password do not match an account.";
            return Slices.Login.Create(new LoginPage(Frame(context, "Sign in"), error, returnUrl));
        }

        await SignInAsync(context, account!);
        // Only a local path: an attacker's link must not bounce a fresh session to another site.
        return Results.LocalRedirect(SafeReturn(returnUrl));
    }

    // A local path only (no "//host", "/\\host", control characters), and never back to a POST-only endpoint.
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 1 } local && local[0] == '/' && local[1] is not ('/' or '\\') && !local.Any(char.IsControl)
            && !local.StartsWith("/logout", StringComparison.OrdinalIgnoreCase)
            ? local
            : "/";

    /// <summary>Only these roles reach the endpoint; anyone else signed in gets 403, anyone not signed in the sign-in page.</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params WebRole[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole(roles.Select(WebRoles.Name)));

    private static Task SignInAsync(HttpContext context, WebAccount account) => context.SignInAsync(Scheme, new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, WebRoles.Name(account.Role))], Scheme)));

    private static PageFrame Frame(HttpContext context, string title)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var user = context.User;
        var account = user.Identity?.IsAuthenticated == true && WebRoles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role)
            ? new WebAccount(user.Identity.Name!, role)
            : null;
        return new PageFrame(title, account, tokens.FormFieldName, tokens.RequestToken!);
    }

    // The anti-forgery middleware only records its verdict; a form handler that reads a forged form would then throw
    // (a 500). Refuse such a request here with 400, before any handler sees it.
    private static Task RejectForgedForms(HttpContext context, Func<Task> next)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("This form has expired or did not come from this appliance's pages: reload the page and try again.");
        }

        return next();
    }

    // OWASP's baseline for a server-rendered app with no third-party content and no inline script.
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers.CacheControl = "no-cache, no-store";   // what anti-forgery sets too: no warning when it does
        return next();
    }

    private static void PrintSetupCode(WebApplication app)
    {
        if (app.Services.GetRequiredService<AccountStore>().NewSetupCode() is { } code)
        {
            Log.SetupCode(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance.WebUI"), code);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "Web UI setup code: {Code} (one time; open the web UI and create the first technician with it)")]
        public static partial void SetupCode(ILogger logger, string code);
    }
}
