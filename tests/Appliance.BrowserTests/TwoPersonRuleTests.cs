using Appliance.WebUI.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.BrowserTests;

/// <summary>
/// The two-person rule end to end in the browser (issue 8): the technician proposes blocking gambling for the pupils on
/// /policy by filling the form; nothing changes (dig still gets no block) and the technician has no way to approve it;
/// a head approves it on /policy; the page shows the new version and dig from a pupil's address is now blocked.
/// </summary>
public sealed class TwoPersonRuleTests(ScenarioAppliance box) : IClassFixture<ScenarioAppliance>
{
    [Fact]
    public async Task A_technicians_proposal_changes_nothing_until_a_head_approves_it_and_then_dig_is_blocked()
    {
        Assert.DoesNotContain("(blocked", await box.DigAsync(ScenarioAppliance.GamblingName), StringComparison.Ordinal);

        var technician = await box.PageAsAsync(WebRole.Technician);
        await technician.GotoAsync("/policy");
        await Expect(technician.Locator("#current-version")).ToContainTextAsync("Version 1,");
        var pupils = technician.Locator("#group-g0");   // the first group in the policy file
        await Expect(pupils.GetByRole(AriaRole.Heading, new() { Level = 3 })).ToHaveTextAsync("pupils");
        await pupils.GetByText("Propose a change to pupils").ClickAsync();
        var form = pupils.Locator("#g0-form");
        await form.GetByLabel("gambling", new() { Exact = true }).CheckAsync();
        await form.GetByLabel("Reason").FillAsync("Gambling adverts seen in Year 9");
        await form.GetByRole(AriaRole.Button, new() { Name = "Propose change to pupils" }).ClickAsync();

        await Expect(technician.GetByRole(AriaRole.Status).Filter(new() { HasText = "Proposal #1" }))
            .ToHaveTextAsync("Proposal #1 recorded; it takes effect when a DSL or head other than you approves it.");
        var proposal = technician.Locator("#proposal-1");
        await Expect(proposal.Locator(".diff")).ToContainTextAsync("group 'pupils': blocked +gambling");
        await Expect(proposal).ToContainTextAsync("Another DSL or head must approve this proposal.");
        await Expect(proposal.GetByRole(AriaRole.Button, new() { Name = "Approve #1" })).ToHaveCountAsync(0);
        await Expect(technician.Locator("#current-version")).ToContainTextAsync("Version 1,");
        PageChecks.AssertNone([await PageChecks.AuditAsync(technician, "technician", "policy with a pending proposal")]);

        // Posting the approval anyway, with the page's own form token, is refused.
        var token = technician.Locator("#proposal-1 form input[type='hidden']").First;
        var forged = await technician.Context.APIRequest.PostAsync(box.BaseUrl + "/policy/proposals/1/approve", new()
        {
            Form = technician.Context.APIRequest.CreateFormData()
                .Set((await token.GetAttributeAsync("name"))!, (await token.GetAttributeAsync("value"))!),
            MaxRedirects = 0,
        });
        Assert.Equal(403, forged.Status);
        Assert.DoesNotContain("(blocked", await box.DigAsync(ScenarioAppliance.GamblingName), StringComparison.Ordinal);

        var head = await box.PageAsAsync(WebRole.Head);
        await head.GotoAsync("/policy");
        var pending = head.Locator("#proposal-1");
        await Expect(pending.Locator(".diff")).ToContainTextAsync("group 'pupils': blocked +gambling");
        await pending.GetByLabel("Note with the approval (optional)").FillAsync("Agreed at the safeguarding meeting");
        await pending.GetByRole(AriaRole.Button, new() { Name = "Approve #1" }).ClickAsync();

        await Expect(head.GetByRole(AriaRole.Status).Filter(new() { HasText = "Proposal #1" }))
            .ToHaveTextAsync("Proposal #1 approved: the policy is now version 2.");
        await Expect(head.Locator("#current-version")).ToContainTextAsync("Version 2,");
        await Expect(head.Locator("#group-g0")).ToContainTextAsync("gambling");
        PageChecks.AssertNone([await PageChecks.AuditAsync(head, "head", "policy after approval")]);

        var blocked = await box.DigAsync(ScenarioAppliance.GamblingName);
        Assert.Contains("(blocked: gambling)", blocked, StringComparison.Ordinal);
        Assert.DoesNotContain("(blocked", await box.DigAsync(ScenarioAppliance.GamblingName, "127.0.0.2"), StringComparison.Ordinal);   // staff unchanged
    }
}
