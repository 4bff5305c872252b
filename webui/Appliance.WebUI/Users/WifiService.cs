using System.Globalization;
using Appliance.Radius.Certificates;
using Appliance.Radius.Users;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Users;

/// <summary>
/// What the Users, Guests and Wi-Fi pages need from the running RADIUS service (the host implements it over its
/// RadiusService): the very store RADIUS checks logins against, so a change made on a page takes effect at the next
/// login, and the certificate devices are told to trust.
/// </summary>
public interface IWifiService
{
    /// <summary>The user store; null when RADIUS is off in the settings (the pages then say so and change nothing).</summary>
    UserStore? Users { get; }

    /// <summary>The Wi-Fi network's name (radius.ssid).</summary>
    string Ssid { get; }

    /// <summary>The server certificate in use and its CA; null while RADIUS is off or not started.</summary>
    CertificateTrustInfo? Certificate { get; }

    /// <summary>The CA certificate devices install (PEM); null when the chain ends at a public CA or RADIUS is off.</summary>
    string? AuthorityPem { get; }

    /// <summary>The Apple .mobileconfig for this network; null while RADIUS is off.</summary>
    byte[]? AppleProfile(TtlsInnerAuthentication inner);
}

/// <summary>The helpers the Users, Guests and Wi-Fi endpoints share.</summary>
internal static class Wifi
{
    /// <summary>Shown (and answered by the API with 503) when the settings leave RADIUS off: there is no store to change.</summary>
    public const string OffMessage = "Wi-Fi sign-in (RADIUS) is off in this appliance's settings (radius.enabled), so there are no Wi-Fi accounts to manage here. "
        + "Turn it on in the configuration to manage staff, pupils and guests.";

    public static IWifiService? Service(HttpContext context) => context.RequestServices.GetService<IWifiService>();

    public static UserStore? Store(HttpContext context) => Service(context)?.Users;

    /// <summary>Who is making the change: the signed-in account (or API token), as the audit log's actor.</summary>
    public static string Actor(HttpContext context) => Frames.SignedIn(context.User)?.Name
        ?? throw new InvalidOperationException("a change reached a handler without a signed-in account");

    /// <summary>Times in the box's local time with its offset, as people at the school read them.</summary>
    public static string LocalTime(DateTimeOffset? at) =>
        at is { } time ? time.ToLocalTime().ToString("yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture) : "";

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    public static IResult Off(HttpContext context) => WebUi.IsApi(context.Request)
        ? ApiError(OffMessage, StatusCodes.Status503ServiceUnavailable)
        : Slices.WifiOff.Create(new WifiOffPage(Frames.For(context, PageTitle(context))));

    // The page keeps its own name (the menu's) as its heading, and says below that the Wi-Fi accounts are off.
    private static string PageTitle(HttpContext context) =>
        Navigation.All.FirstOrDefault(e => e.Path != "/" && context.Request.Path.StartsWithSegments(e.Path))?.Title ?? "Wi-Fi accounts";
#pragma warning restore CA1859

    public static IResult ApiError(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new ApiErrorJson(message), UsersJson.Default.ApiErrorJson, statusCode: status);
}
