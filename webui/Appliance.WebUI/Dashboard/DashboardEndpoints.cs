using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Dashboard;

/// <summary>The dashboard, for every role: the box's health at a glance.</summary>
internal static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet(Navigation.Dashboard.Path, Show).RequireRoles(Navigation.Dashboard.Roles);

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context, AccountStore accounts, IServiceProvider services)
    {
        var facts = services.GetService<IDashboardSource>()?.Read()
            ?? new DashboardFacts("?", "unknown", 0, 0, [], [], null, null, null);
        var frame = Frames.For(context, "Dashboard");
        var approver = frame.Account is { } account && Lessons.LessonAccess.RoleOf(account.Role) == Appliance.Lessons.Plans.LessonRole.Approver;
        return Slices.Dashboard.Create(new DashboardPage(frame, facts, Incidents.VirtualPanelEndpoints.For(context, frame))
        {
            LessonSitesWaiting = approver ? Lessons.LessonViews.WaitingCount(context) : null,
        });
    }
#pragma warning restore CA1859
}
