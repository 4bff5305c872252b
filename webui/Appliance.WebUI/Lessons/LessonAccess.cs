using Appliance.Core.Policy;
using Appliance.Lessons.Plans;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Lessons;

/// <summary>
/// How the web UI's roles act on lessons, and what the lesson pages reach through the request's services. The host
/// registers <see cref="LessonPlanner"/> and <see cref="ILessonDesk"/> only when lessons are on; without them the pages
/// say lessons are off and the API answers 503, so the web UI starts either way.
/// </summary>
internal static class LessonAccess
{
    /// <summary>
    /// Teacher plans their own; DSL and technician see all and decide sites (never on a lesson of their own: the
    /// planner checks that); head reads everything and changes nothing.
    /// </summary>
    public static LessonRole RoleOf(WebRole role) => role switch
    {
        WebRole.Teacher => LessonRole.Teacher,
        WebRole.Dsl or WebRole.Technician => LessonRole.Approver,
        _ => LessonRole.Viewer,
    };

    /// <summary>The signed-in person as the planner sees them (a governor, who has no lesson page, would be a viewer).</summary>
    public static LessonActor Actor(HttpContext context)
    {
        var account = Frames.SignedIn(context.User) ?? new WebAccount("?", WebRole.Governor);
        return new LessonActor(account.Name, RoleOf(account.Role));
    }

    public static LessonPlanner? Planner(HttpContext context) => context.RequestServices.GetService<LessonPlanner>();

    public static ILessonDesk? Desk(HttpContext context) => context.RequestServices.GetService<ILessonDesk>();

    /// <summary>The running policy (its groups for the form's choice, its time zone for the times), or the allow-all default.</summary>
    public static PolicySnapshot Policy(HttpContext context) => context.RequestServices.GetService<PolicyEngine>()?.Snapshot ?? PolicySnapshot.AllowAll;

    public static TimeProvider Time(HttpContext context) => context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
}
