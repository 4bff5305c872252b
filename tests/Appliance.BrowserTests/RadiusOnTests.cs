using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// The role matrix and axe-core over the Wi-Fi pages as they are with RADIUS on (<see cref="ScenarioAppliance"/>), not
/// their "Wi-Fi accounts are off" version, which <see cref="AccessibilityTests"/> sees on the local default: every page of
/// every role is audited again, the Users, Guests and Wi-Fi joining pages show their real content to their roles and
/// answer 403 to the others, and a guest's printable voucher is audited too. Screenshots are <c>radius-on-&lt;role&gt;-&lt;page&gt;.png</c>.
/// </summary>
public sealed class RadiusOnTests(ScenarioAppliance box) : IClassFixture<ScenarioAppliance>
{
    /// <summary>Each Wi-Fi page and the heading of its real (RADIUS on) version.</summary>
    private static readonly (NavEntry Entry, string Heading)[] WifiPages =
        [(Navigation.Users, "Wi-Fi users"), (Navigation.Guests, "Wi-Fi guests"), (Navigation.Wifi, "Joining the Wi-Fi")];

    public static TheoryData<WebRole> Roles => RoleMatrixTests.Roles;

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Every_page_of_a_role_with_RADIUS_on_passes_axe_and_the_Wi_Fi_pages_show_their_real_content(WebRole role)
    {
        var page = await box.PageAsAsync(role);
        var problems = await PageChecks.AuditPagesOfAsync(page, role, "radius-on-" + WebRoles.Name(role));

        foreach (var (entry, heading) in WifiPages)
        {
            var response = await page.GotoAsync(entry.Path);
            if (entry.Allows(role))
            {
                Assert.Equal(200, response?.Status);
                await BrowserAppliance.ExpectHeadingAsync(page, heading);
                await Expect(page.Locator("#radius-off")).ToHaveCountAsync(0);
            }
            else
            {
                Assert.True(response?.Status == 403, $"{role} on {entry.Path}: {response?.Status}, expected 403");
                await BrowserAppliance.ExpectHeadingAsync(page, "You do not have access to this page");
            }
        }

        await page.GotoAsync(Navigation.Wifi.Path);
        await Expect(page.Locator("#download-ca")).ToHaveAttributeAsync("href", "/wifi/ca.pem");
        PageChecks.AssertNone(problems);
    }

    [Fact]
    public async Task A_guest_made_by_a_teacher_gets_a_voucher_page_with_no_serious_or_critical_violation()
    {
        var teacher = await box.PageAsAsync(WebRole.Teacher);
        await teacher.GotoAsync(Navigation.Guests.Path);
        await teacher.GetByLabel("Reason for the visit").FillAsync("Visiting speaker for Year 10");
        await teacher.GetByLabel("Valid for").SelectOptionAsync("4");
        await teacher.GetByLabel("User name (empty: guest- and five letters)").FillAsync("guest-speaker");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Create guest and show the voucher" }).ClickAsync();

        await BrowserAppliance.ExpectHeadingAsync(teacher, "Wi-Fi guest voucher");
        await Expect(teacher.Locator("#outcome")).ToContainTextAsync("Guest guest-speaker created.");
        await Expect(teacher.Locator("#voucher-name")).ToHaveTextAsync("guest-speaker");
        await Expect(teacher.Locator("#voucher-password")).Not.ToBeEmptyAsync();
        await Expect(teacher.Locator("#voucher")).ToContainTextAsync("Hillside Staff");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "radius-on-teacher", "guest voucher")]);

        await teacher.GotoAsync(Navigation.Guests.Path);
        await Expect(teacher.Locator("main")).ToContainTextAsync("guest-speaker");
        PageChecks.AssertNone([await PageChecks.AuditAsync(teacher, "radius-on-teacher", "guests with one guest")]);
    }
}
