using Appliance.Radius.Users;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Users;

/// <summary>
/// The rules the pages and the API share, on top of the store (which validates, hashes and audits every change with
/// the actor it is given): who sponsors a guest, who may see or end which guest, where a password comes from.
/// </summary>
internal static class UserActions
{
    /// <summary>Adds a staff member or pupil; with no password given one is generated and returned (to show once).</summary>
    /// <exception cref="UserInputException">A field is wrong, the password breaks the policy, or the user exists.</exception>
    public static (UserRecord User, string? Generated) Add(UserStore store, NewUser user, string? password, string actor)
    {
        if (user.Kind == UserKind.Guest)
        {
            throw new UserInputException("guests are made on the Guests page (they need a sponsor, a reason and an expiry)");
        }

        var generated = string.IsNullOrEmpty(password) ? store.GeneratePassword(user.Kind) : null;
        return (store.Add(user, password is { Length: > 0 } ? password : generated!, actor), generated);
    }

    /// <summary>A new generated password for a user (shown once); ends any lockout.</summary>
    /// <exception cref="UserInputException">No such user.</exception>
    public static string ResetPassword(UserStore store, string name, string actor)
    {
        var user = store.Get(name) ?? throw new UserInputException($"no user '{UserNames.Printable(name)}'");
        var password = store.GeneratePassword(user.Kind);
        store.SetPassword(user.Name, password, actor);
        return password;
    }

    /// <exception cref="UserInputException">No such user.</exception>
    public static UserRecord SetEnabled(UserStore store, string name, bool enabled, string actor) =>
        store.SetEnabled(name, enabled, actor) && store.Get(name) is { } user ? user : throw new UserInputException($"no user '{UserNames.Printable(name)}'");

    /// <summary>
    /// A guest sponsored by the signed-in person (always: a teacher cannot vouch in someone else's name); a technician
    /// may name another sponsor. Hours or an end time, never more than the store allows (30 days).
    /// </summary>
    /// <exception cref="UserInputException">No reason, no or a bad expiry, or a name that is taken.</exception>
    public static GuestVoucher AddGuest(HttpContext context, UserStore store, string? name, string? sponsor, string? reason, double? hours, DateTimeOffset? until, string? group)
    {
        var account = Frames.SignedIn(context.User)!;
        var now = (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        if ((hours is null) == (until is null))
        {
            throw new UserInputException("give how long the guest may stay: a number of hours or an end time");
        }

        if (hours is { } h && (double.IsNaN(h) || h <= 0 || h > TimeSpan.MaxValue.TotalHours / 2))
        {
            throw new UserInputException($"the guest's stay of {h} hours is not a positive number of hours");
        }

        return store.AddGuest(new NewUser
        {
            Name = name?.Trim() ?? "",
            Kind = UserKind.Guest,
            Sponsor = account.Role == WebRole.Technician && !string.IsNullOrWhiteSpace(sponsor) ? sponsor : account.Name,
            Reason = reason,
            ExpiresAt = until ?? now + TimeSpan.FromHours(hours!.Value),
            Group = account.Role == WebRole.Technician ? group : null,
        }, account.Name);
    }

    /// <summary>Guests this person may see: a technician all of them, anyone else those they sponsor.</summary>
    public static IReadOnlyList<UserRecord> GuestsFor(UserStore store, WebAccount account)
    {
        return store.ListAll(new UserQuery { Kind = UserKind.Guest, Sponsor = account.Role == WebRole.Technician ? null : account.Name });
    }

    /// <summary>Ends a guest's access now (disabled: their sessions are ended by the sweeper, the record stays for the sponsor's list and the audit).</summary>
    /// <exception cref="UserInputException">Not a guest this person may end (the same answer as no such guest: names of others' guests are not revealed).</exception>
    public static UserRecord EndGuest(UserStore store, WebAccount account, string name)
    {
        if (store.Get(name) is not { Kind: UserKind.Guest } guest
            || (account.Role != WebRole.Technician && !string.Equals(guest.Sponsor, account.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new UserInputException($"no guest '{UserNames.Printable(name)}' among the guests you sponsor");
        }

        return SetEnabled(store, guest.Name, enabled: false, account.Name);
    }

    /// <summary>What the state column says: disabled (or ended, for a guest), expired, locked until…, or enabled.</summary>
    public static string State(UserRecord user, DateTimeOffset now) =>
        !user.Enabled ? (user.Kind == UserKind.Guest ? "ended" : "disabled")
        : user.ExpiresAt is { } end && end <= now ? "expired"
        : user.LockedUntil is { } locked ? $"locked until {Wifi.LocalTime(locked)}"
        : "enabled";
}
