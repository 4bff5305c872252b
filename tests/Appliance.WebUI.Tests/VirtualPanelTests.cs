using Appliance.Journal.Incidents;
using Appliance.WebUI.Incidents;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Tests;

/// <summary>The dashboard's word on a virtual press: only messages made from known outcomes, never the query echoed.</summary>
public sealed class VirtualPanelTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private sealed class Desk(Incident? latest) : IIncidentDesk
    {
        public VirtualPanel Panel() => new(true, true, true, "raised", "incident raised, waiting for the DSL", [new("red", "blink 2 Hz", true)], latest);

        public bool Acknowledge(long id, string by) => false;

        public bool Close(long id, string by) => false;

        public Task<PressOutcome> PressAsync(string by, CancellationToken cancel) => Task.FromResult(new PressOutcome(latest, PressProblem.None));
    }

    private static PanelLedsModel? Dashboard(string? pressed, Incident? latest = null, bool withDesk = true)
    {
        var services = new ServiceCollection();
        if (withDesk)
        {
            services.AddSingleton<IIncidentDesk>(new Desk(latest));
        }

        var context = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        if (pressed is not null)
        {
            context.Request.QueryString = QueryString.Create("pressed", pressed);
        }

        return VirtualPanelEndpoints.For(context, new PageFrame("Dashboard", null, "__af", "token"));
    }

    [Fact]
    public void A_press_that_raised_the_newest_incident_says_so_and_nothing_else_is_echoed()
    {
        var latest = new Incident(7, Noon, "panel-1", "Room 4", "panel panel-1", false, IncidentState.Raised, Noon);
        Assert.Equal(("Incident #7 is raised: the DSL is told. The panel below shows it.", false),
            (Dashboard("7", latest)!.Message, Dashboard("7", latest)!.IsError));
        Assert.Null(Dashboard("6", latest)!.Message);   // not the newest: no claim about it
        Assert.Null(Dashboard("<script>alert(1)</script>", latest)!.Message);
        Assert.Null(Dashboard(null, latest)!.Message);
        Assert.True(Dashboard("not-live")!.IsError);
        Assert.Contains("phone the DSL", Dashboard("failed")!.Message, StringComparison.Ordinal);
        Assert.Equal("incident raised, waiting for the DSL", Dashboard(null)!.Panel.Meaning);
    }

    [Fact]
    public void Without_a_panel_source_the_dashboard_has_no_panel() => Assert.Null(Dashboard(null, withDesk: false));
}
