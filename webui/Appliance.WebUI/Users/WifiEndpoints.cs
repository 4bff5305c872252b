using System.Text;
using Appliance.Radius.Certificates;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Users;

/// <summary>
/// How to join the school's Wi-Fi, for everyone signed in: the steps per platform (from the certificate actually in
/// use, so the fingerprints are the right ones), the CA certificate to install and the Apple profile. The certificate
/// and the profile are public material; they are still behind sign-in, as the whole web UI is.
/// </summary>
internal static class WifiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Wifi.Roles;
        app.MapGet(Navigation.Wifi.Path, Show).RequireRoles(roles);
        app.MapGet("/wifi/ca.pem", Authority).RequireRoles(roles);
        app.MapGet("/wifi/school-wifi.mobileconfig", (HttpContext context) => Profile(context, TtlsInnerAuthentication.MSCHAPv2)).RequireRoles(roles);
        app.MapGet("/wifi/school-wifi-pap.mobileconfig", (HttpContext context) => Profile(context, TtlsInnerAuthentication.PAP)).RequireRoles(roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context) =>
        Wifi.Service(context) is { Users: not null } wifi
            ? Slices.Wifi.Create(new WifiPage(Frames.For(context, Navigation.Wifi.Title), JoiningFacts.From(wifi)))
            : Wifi.Off(context);
#pragma warning restore CA1859

    private static IResult Authority(HttpContext context) =>
        Wifi.Service(context)?.AuthorityPem is { } pem
            ? Results.File(Encoding.ASCII.GetBytes(pem), "application/x-pem-file", "school-wifi-ca.pem")
            : Results.NotFound();

    private static IResult Profile(HttpContext context, TtlsInnerAuthentication inner) =>
        Wifi.Service(context)?.AppleProfile(inner) is { } profile
            ? Results.File(profile, AppleWifiProfile.ContentType, inner == TtlsInnerAuthentication.PAP ? "school-wifi-pap.mobileconfig" : "school-wifi.mobileconfig")
            : Results.NotFound();
}

/// <summary>The Users, Guests and Wi-Fi joining pages and their API, mapped together.</summary>
internal static class WifiAccountEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        UserEndpoints.Map(app);
        GuestEndpoints.Map(app);
        WifiEndpoints.Map(app);
    }
}
