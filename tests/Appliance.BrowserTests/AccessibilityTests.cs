using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;

namespace Appliance.BrowserTests;

/// <summary>
/// axe-core on every page each role reaches, walked from <see cref="Navigation"/> (pages added there are covered without a
/// change here), and on the sign-in page. No serious or critical violation passes; every page is saved as a full-page
/// screenshot (<see cref="PageChecks.ScreenshotDirectory"/>, <c>&lt;role&gt;-&lt;page&gt;.png</c>). /setup, shown only
/// before the first account exists, is checked in <see cref="FirstRunTests"/>.
/// </summary>
public sealed class AccessibilityTests(BrowserAppliance box) : IClassFixture<BrowserAppliance>
{
    public static TheoryData<WebRole> Roles => RoleMatrixTests.Roles;

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Every_page_of_a_role_has_no_serious_or_critical_violation(WebRole role)
    {
        var page = await box.PageAsAsync(role);
        var problems = await PageChecks.AuditPagesOfAsync(page, role, WebRoles.Name(role));
        PageChecks.AssertNone(problems);
    }

    [Fact]
    public async Task The_sign_in_page_has_no_serious_or_critical_violation()
    {
        await box.PageAsAsync(WebRole.Technician);   // an account exists, so /login is shown rather than /setup
        var page = await box.NewPageAsync();
        await page.GotoAsync("/login");
        await BrowserAppliance.ExpectHeadingAsync(page, "Sign in");
        PageChecks.AssertNone([await PageChecks.AuditAsync(page, "anonymous", "login")]);
    }
}
