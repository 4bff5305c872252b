using System.Net;
using Appliance.Journal.Checks;

namespace Appliance.IntegrationTests.Host;

/// <summary>The Reports page over real HTTP: who may see it, its CSV and API, and that it changes nothing.</summary>
public sealed partial class WebUiTests
{
    [Fact]
    public async Task A_governor_sees_the_report_and_downloads_a_csv_cannot_post_and_a_teacher_gets_403()
    {
        using var technician = Browser();
        var code = SetupCodeRegex().Match(Appliance.Output).Groups[1].Value;
        await Post(technician, "/setup", ("code", code), ("name", "tech"), ("password", "a-long-enough-password"));
        await Post(technician, "/accounts", ("name", "governor"), ("role", "governor"), ("password", "governors-read-only"));
        await Post(technician, "/accounts", ("name", "teacher"), ("role", "teacher"), ("password", "teachers-see-little"));
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync("/reports")).StatusCode);   // not the technician's page either

        // The box checks itself once it has started, and keeps the record (checks.db) the report reads.
        var stored = await WaitForSelfCheckAsync();
        Assert.Equal(CheckLog.FilteringKind, stored.Kind);
        Assert.Equal(1, stored.Passed + stored.Failed);

        using var governor = Browser();
        var dashboard = await Post(governor, "/login", ("name", "governor"), ("password", "governors-read-only"));
        Assert.Contains("href=\"/reports\"", dashboard, StringComparison.Ordinal);
        var page = await governor.GetStringAsync("/reports?days=7");
        Assert.Contains("<h1>Reports</h1>", page, StringComparison.Ordinal);
        Assert.Contains("last 7 days", page, StringComparison.Ordinal);
        Assert.Contains("role=\"img\"", page, StringComparison.Ordinal);
        Assert.Contains("Filtering self-check", page, StringComparison.Ordinal);
        Assert.Contains("<td>config.changed</td>", page, StringComparison.Ordinal);   // the start recorded the configuration
        Assert.DoesNotContain("method=\"post\" action=\"/reports", page, StringComparison.Ordinal);

        var bad = await governor.GetStringAsync("/reports?from=2026-13-01&to=2026-01-01");
        Assert.Contains("role=\"alert\"", bad, StringComparison.Ordinal);
        Assert.Contains("year-month-day", bad, StringComparison.Ordinal);

        var csv = await governor.GetAsync("/reports/checks.csv?days=7");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment; filename=\"report-checks-", csv.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("Check,Subject,Passed,Failed,Last failure (UTC),Last problem\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Filtering self-check", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await governor.GetAsync("/reports/checks.csv?days=5")).StatusCode);

        var api = await governor.GetStringAsync("/api/reports?days=90");
        Assert.Contains("\"preset\":90", api, StringComparison.Ordinal);
        Assert.Contains("\"checks\":[", api, StringComparison.Ordinal);
        Assert.Contains("\"columns\":[\"Month (UTC)\"", await governor.GetStringAsync("/api/reports/incidents"), StringComparison.Ordinal);

        // Read-only: with a valid form token of the governor's own session, no POST reaches anything on the page or the API.
        var token = TokenRegex().Match(page).Groups[1].Value;
        foreach (var path in new[] { "/reports", "/reports/checks.csv", "/api/reports", "/api/reports/checks" })
        {
            var post = await governor.PostAsync(path, Form(("days", "7"), ("__af", token)));
            Assert.False(post.IsSuccessStatusCode, $"POST {path} answered {post.StatusCode}");
        }

        using var teacher = Browser();
        var teachersPage = await Post(teacher, "/login", ("name", "teacher"), ("password", "teachers-see-little"));
        Assert.DoesNotContain("href=\"/reports\"", teachersPage, StringComparison.Ordinal);
        foreach (var path in new[] { "/reports", "/reports/checks.csv", "/api/reports", "/api/reports/checks" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync(path)).StatusCode);
        }
    }

    // The self-check runs as the box starts; wait for its first record rather than for a fixed time.
    private async Task<CheckDay> WaitForSelfCheckAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            using (var checks = CheckLog.Open(Path.Combine(Appliance.DataDir, "checks.db")))
            {
                if (checks.Days(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)) is [var day, ..])
                {
                    return day;
                }
            }

            Assert.True(attempt < 300, "no self-check was recorded within a minute of the start");
            await Task.Delay(200);
        }
    }
}
