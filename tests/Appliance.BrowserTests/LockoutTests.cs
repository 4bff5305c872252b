using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>Five wrong passwords lock an account (from this address) for 15 minutes, even against the right one; other accounts are untouched.</summary>
public sealed class LockoutTests(BrowserAppliance box) : IClassFixture<BrowserAppliance>
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        const string Name = "guessed.teacher";
        const string Password = "the-teachers-real-password";
        var technician = await box.PageAsAsync(WebRole.Technician);
        await BrowserAppliance.AddAccountAsync(technician, Name, WebRole.Teacher, Password);

        var page = await box.NewPageAsync();
        var alert = page.GetByRole(AriaRole.Alert);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await BrowserAppliance.SubmitSignInAsync(page, Name, "wrong-guess-number-" + attempt);
            await Expect(alert).ToHaveTextAsync("That name and password do not match an account.");
        }

        await BrowserAppliance.SubmitSignInAsync(page, Name, "wrong-guess-number-5");
        await Expect(alert).ToContainTextAsync("Too many failed attempts");
        await Expect(alert).ToContainTextAsync("locked for 15 minutes");

        await BrowserAppliance.SubmitSignInAsync(page, Name, Password);
        await Expect(alert).ToContainTextAsync("locked for 15 minutes");
        await BrowserAppliance.ExpectHeadingAsync(page, "Sign in");

        // The lock is per account: the technician still signs in from the same browser.
        await BrowserAppliance.SubmitSignInAsync(page, BrowserAppliance.TechnicianName, BrowserAppliance.PasswordOf(WebRole.Technician));
        await BrowserAppliance.ExpectHeadingAsync(page, "Dashboard");
    }
}
