using System.Reflection;
using System.Threading.RateLimiting;
using Appliance.WebUI.Access;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Dashboard;
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
            options.AddPolicy(SignInEndpoints.RateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "-",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddAuthentication(CookieScheme).AddCookie(options =>
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
                return Task.CompletedTask;
            };
        });
        // Default deny: what names no roles (and is not marked AllowAnonymous) is refused to everyone, signed in or not.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build());
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "appliance.af";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.FormFieldName = "__af";
        });
    }

    public static void MapWebUi(this WebApplication app)
    {
        app.Use(Protections.SecurityHeaders);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(Protections.RejectForgedForms);
        app.UseRateLimiter();
        PrintSetupCode(app);   // now, before the listener starts: it is in the log before "ready"

        var css = ReadAsset("ui.css");
        app.MapGet("/ui.css", () => Results.Text(css, "text/css")).AllowAnonymous();
        app.MapGet("/denied", () => Results.StatusCode(StatusCodes.Status403Forbidden)).AllowAnonymous();
        SignInEndpoints.Map(app);
        DashboardEndpoints.Map(app);
        AccountEndpoints.Map(app);
        Reports.ReportEndpoints.Map(app);
    }

    /// <summary>Only these roles reach the endpoint; anyone else signed in gets 403, anyone not signed in the sign-in page (401 under /api).</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, IReadOnlyList<WebRole> roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole(roles.Select(WebRoles.Name)));

    /// <inheritdoc cref="RequireRoles{TBuilder}(TBuilder, IReadOnlyList{WebRole})"/>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params WebRole[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRoles((IReadOnlyList<WebRole>)roles);

    internal static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static string ReadAsset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Appliance.WebUI.Assets." + name)
            ?? throw new InvalidOperationException($"the web UI asset {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
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
