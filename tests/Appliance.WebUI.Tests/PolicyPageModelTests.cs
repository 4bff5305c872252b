using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Policy.Lists;
using Appliance.WebUI.Policy;

namespace Appliance.WebUI.Tests;

/// <summary>What the policy page shows of the statutory lists, and how its forms become documents.</summary>
public sealed class PolicyPageModelTests
{
    [Fact]
    public void Statutory_lists_are_named_with_their_source_but_never_a_licence_key_and_category_lists_are_left_out()
    {
        var dir = Directory.CreateTempSubdirectory("policy-page-").FullName;
        try
        {
            Statutory(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Statutory(string dir)
    {
        using var http = new HttpClient();
        var refresher = new ListRefresher(
            [
                new ListSourceOptions { Source = "https://la:secret@lists.la.example:8443/LICENCE-KEY/iwf.txt?key=LICENCE", Category = Category.StatutoryIwf },
                new ListSourceOptions { Source = Path.Combine(dir, "ctiru.txt"), Category = Category.StatutoryTerrorism },
                new ListSourceOptions { Source = Path.Combine(dir, "gambling.txt"), Category = Category.Gambling },
            ], Path.Combine(dir, "cache"), http, TimeProvider.System, 0.5);

        var lists = StatutoryListView.From(refresher);

        Assert.Equal(["IWF child sexual abuse list", "Police-assessed terrorism list (CTIRU)"], lists.Select(l => l.Name));
        Assert.Equal("https://lists.la.example:8443/…", lists[0].Source);   // no user, password, path or query: any may carry the key
        Assert.Equal("ctiru.txt", lists[1].Source);
        Assert.All(lists, l => Assert.Null(l.LastGood));
        Assert.Empty(StatutoryListView.From(null));
    }

    [Fact]
    public void A_group_form_replaces_only_that_groups_settings_and_schedules_are_added_replaced_and_removed_by_name()
    {
        var document = new PolicyDocument
        {
            Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["pornography"] }, new GroupDefinition { Name = "staff" }],
        };

        var changed = PolicyEdits.WithGroup(document, "DEFAULT", ["gambling", "gambling", ""], safeSearch: false, "strict", "a.example, =b.example", "c.example\r\nd.example")!;
        Assert.Equal(["gambling"], changed.Groups[0].BlockedCategories);
        Assert.Equal((false, "strict"), (changed.Groups[0].SafeSearch, changed.Groups[0].YouTube));
        Assert.Equal(["a.example", "=b.example"], changed.Groups[0].Allow);
        Assert.Equal(["c.example", "d.example"], changed.Groups[0].Deny);
        Assert.Same(document.Groups[1], changed.Groups[1]);
        Assert.Null(PolicyEdits.WithGroup(document, "nobody", [], true, "off", null, null));

        var lunch = new ScheduleDefinition { Name = "lunch", Unblock = ["games"] };
        var withLunch = PolicyEdits.WithSchedule(PolicyEdits.WithSchedule(document, "staff", lunch)!, "staff", lunch with { From = "12:00" })!;
        Assert.Equal("12:00", Assert.Single(withLunch.Groups[1].Schedules).From);
        Assert.Empty(PolicyEdits.WithoutSchedule(withLunch, "staff", "LUNCH")!.Groups[1].Schedules);
        Assert.DoesNotContain("statutory-iwf", PolicyEdits.Configurable);
        Assert.Contains("gambling", PolicyEdits.Configurable);
    }
}
