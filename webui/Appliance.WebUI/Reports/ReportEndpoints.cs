using System.Text.Json.Serialization;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.Journal.Checks;
using Appliance.Journal.Incidents;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Reports;

/// <summary>The Reports page, for the head, governors and the DSL.</summary>
/// <param name="Frame">The shared frame.</param>
/// <param name="Report">The figures.</param>
/// <param name="Problem">What was wrong with the period asked for, if anything (the default period is shown instead).</param>
/// <param name="Print">The print view: no form, the figures only.</param>
public sealed record ReportsPage(PageFrame Frame, Report Report, string? Problem, bool Print)
{
    public ReportTable Table(string id) => ReportTables.Get(Report, id)!;
}

/// <summary>
/// The Reports page, its CSV downloads and its JSON API: GETs only, whoever may see it (governors are read-only, and
/// nothing here writes anything). The period comes from the query string (<c>days</c>, or <c>from</c> and <c>to</c>).
/// </summary>
internal static class ReportEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Reports.Roles;
        app.MapGet(Navigation.Reports.Path, Show).RequireRoles(roles);
        app.MapGet(Navigation.Reports.Path + "/{table}.csv", Download).RequireRoles(roles);
        app.MapGet("/api" + Navigation.Reports.Path, ApiReport).RequireRoles(roles);
        app.MapGet("/api" + Navigation.Reports.Path + "/{table}", ApiTable).RequireRoles(roles);
    }

    /// <summary>The report for the period the query string asks for (the default period and a problem when it is bad).</summary>
    public static (Report Report, string? Problem) Read(HttpContext context)
    {
        var query = context.Request.Query;
        var services = context.RequestServices;
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var (period, problem) = ReportPeriod.Parse(query["days"], query["from"], query["to"], now);
        return (ReportBuilder.Build(period, services.GetService<QueryJournal>(), services.GetService<AuditLog>(),
            services.GetService<IncidentStore>(), services.GetService<CheckLog>()), problem);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context)
    {
        var (report, problem) = Read(context);
        var print = context.Request.Query["view"] == "print";
        return Slices.Reports.Create(new ReportsPage(Frames.For(context, "Reports"), report, problem, print));
    }
#pragma warning restore CA1859

    // A bad period is refused rather than quietly answered for another: a saved download or a script must not get the wrong days.
    private static IResult Download(HttpContext context, string table)
    {
        var (report, problem) = Read(context);
        if (problem is not null)
        {
            return Results.Text(problem, "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }

        if (ReportTables.Get(report, table) is not { } found)
        {
            return Results.NotFound();
        }

        // RFC 4180 §3: text/csv with header=present; the file name says which table and which days.
        var name = $"report-{table}-{ReportPeriod.Text(report.Period.FirstDay)}-to-{ReportPeriod.Text(report.Period.LastDay)}.csv";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        return Results.Text(Csv.Write(found.Columns, found.Rows), "text/csv; charset=utf-8; header=present");
    }

    private static IResult ApiReport(HttpContext context)
    {
        var (report, problem) = Read(context);
        return problem is not null ? Results.Text(problem, "text/plain", statusCode: StatusCodes.Status400BadRequest)
            : Results.Json(report, ReportJsonContext.Default.Report);
    }

    private static IResult ApiTable(HttpContext context, string table)
    {
        var (report, problem) = Read(context);
        return problem is not null ? Results.Text(problem, "text/plain", statusCode: StatusCodes.Status400BadRequest)
            : ReportTables.Get(report, table) is { } found ? Results.Json(found, ReportJsonContext.Default.ReportTable)
            : Results.NotFound();
    }
}

/// <summary>The report's JSON, generated at build time (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(ReportTable))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
