using System.Reflection;
using System.Threading.RateLimiting;
using Appliance.WebUI.Access;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Dashboard;
using Appliance.WebUI.Policy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.WebUI;

/// <summary>
/// The web UI in the appliance's process (issue 8): cookie sessions (HttpOnly, SameSite=Strict, Secure over HTTPS, 8 h
/// sliding), anti-forgery on every form, security headers on every response, and the pages. No default credentials: a
/// one-time setup code, printed at start while no account exists, creates the first technician. Default deny: an
/// endpoint that does not name its roles (or say it is open) is open to no one.
/// </summary>
public static partial class WebUi
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string Scheme = "appliance";

    /// <param name="services">The appliance's services.</param>
    /// <param name="dataDir">Where webui.db and the keys live.</param>
    /// <param name="https">An HTTPS listener exists: cookies are then <c>__Host-</c> and Secure, and plain HTTP is sent there.</param>
    public static void AddWebUi(this IServiceCollection services, string dataDir, bool https = false)
    {
        services.AddSingleton(new WebUiMode(https));
        services.AddSingleton(sp => AccountStore.Open(dataDir, sp.GetService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            sp.GetRequiredService<AccountStore>();   // it creates webui.db (0600) and its accounts table first
            return ApiTokenStore.Open(dataDir, sp.GetService<TimeProvider>());
        });
        PolicyEndpoints.AddServices(services);
        services.AddSingleton(sp => new Users.UserImports(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<Activity.ActivityAudit>();
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
            options.AddPolicy(SignInEndpoints.RateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "-",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        // Pages use the session cookie; /api calls that carry "Authorization: Bearer" use an API token instead (and only it).
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "session or API token", options => options.ForwardDefaultSelector = context =>
                IsApi(context.Request) && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenHandler.SchemeName
                    : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null)
            .AddCookie(CookieScheme, options =>
        {
            // Over HTTPS the "__Host-" prefix binds the cookie to this host, Secure, path / (RFC 6265bis §4.1.3.2).
            options.Cookie.Name = https ? "__Host-appliance.session" : "appliance.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = Sessions.ValidateAsync;   // revocable, and never older than 12 h
            options.LoginPath = "/login";
            options.LogoutPath = "/logout";
            options.AccessDeniedPath = "/denied";
            // A script calling /api gets 401, not a redirect to a sign-in page it cannot use.
            options.Events.OnRedirectToLogin = context =>
            {
                if (IsApi(context.Request))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(context.RedirectUri);
                }

                return Task.CompletedTask;
            };
            // A signed-in user without the role gets 403 on the spot (not a redirect that a script would follow to 200).
            options.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                if (IsApi(context.Request))
                {
                    return Task.CompletedTask;
                }

                // A person who followed a link gets a page that says why, not the browser's own error page.
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync(Denied);
            };
        });
        // Default deny: what names no roles (and is not marked AllowAnonymous) is refused to everyone, signed in or not.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build());
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = https ? "__Host-appliance.af" : "appliance.af";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__af";
        });
    }

    public static void MapWebUi(this WebApplication app)
    {
        if (app.Services.GetRequiredService<WebUiMode>().Https)
        {
            app.Use(Protections.SendToHttps);
        }

        app.Use(Protections.SecurityHeaders);
        app.UseAuthentication();
        app.Use(Protections.RequireJsonForSessionApi);
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(Protections.RejectForgedForms);
        app.UseRateLimiter();
        PrintSetupCode(app);   // now, before the listener starts: it is in the log before "ready"

        var css = ReadAsset("ui.css");
        app.MapGet("/ui.css", () => Results.Text(css, "text/css")).AllowAnonymous();
        var icon = ReadAsset("icon.svg");
        app.MapGet("/icon.svg", () => Results.Text(icon, "image/svg+xml")).AllowAnonymous();
        app.MapGet("/favicon.ico", () => Results.Redirect("/icon.svg", permanent: true)).AllowAnonymous();
        app.MapGet("/denied", () => Results.StatusCode(StatusCodes.Status403Forbidden)).AllowAnonymous();
        SignInEndpoints.Map(app);
        DashboardEndpoints.Map(app);
        AccountEndpoints.Map(app);
        MyAccountEndpoints.Map(app);
        PolicyEndpoints.Map(app);
        Lessons.LessonEndpoints.Map(app);
        Users.WifiAccountEndpoints.Map(app);
        Incidents.IncidentEndpoints.Map(app);
        Activity.ActivityEndpoints.Map(app);
        Reports.ReportEndpoints.Map(app);
        Settings.SettingsEndpoints.Map(app);
    }

    /// <summary>Only these roles reach the endpoint; anyone else signed in gets 403, anyone not signed in the sign-in page (401 under /api).</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, IReadOnlyList<WebRole> roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole(roles.Select(WebRoles.Name)));

    /// <inheritdoc cref="RequireRoles{TBuilder}(TBuilder, IReadOnlyList{WebRole})"/>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params WebRole[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRoles((IReadOnlyList<WebRole>)roles);

    /// <summary>Whether the web UI has an HTTPS listener.</summary>
    internal sealed record WebUiMode(bool Https);

    private const string Denied = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>No access · School gateway</title><link rel="stylesheet" href="/ui.css"></head>
        <body><main id="main"><h1>You do not have access to this page</h1>
        <p>Your role does not include it. If you need it, ask the school's technician.</p><p><a href="/">Back to the dashboard</a></p></main></body></html>
        """;

    internal static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    internal static string ReadAsset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Appliance.WebUI.Assets." + name)
            ?? throw new InvalidOperationException($"the web UI asset {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void PrintSetupCode(WebApplication app)
    {
        var store = app.Services.GetRequiredService<AccountStore>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance.WebUI");
        if (store.HasConsoleSetupCode)
        {
            // First boot made it and showed it on the console; a new one here would make that one useless.
            Log.ConsoleSetupCode(logger);
        }
        else if (store.NewSetupCode() is { } code)
        {
            Log.SetupCode(logger, code);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "Web UI setup code: {Code} (one time; open the web UI and create the first technician with it)")]
        public static partial void SetupCode(ILogger logger, string code);

        [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "Web UI setup: the one-time code made by 'appliance setup-code' (shown on the console) is waiting; run that command again for a new one")]
        public static partial void ConsoleSetupCode(ILogger logger);
    }
}
