namespace Appliance.Radius.Users;

/// <summary>Checks a <see cref="NewUser"/> and returns it in stored form (canonical name, group resolved), or says what is wrong.</summary>
internal static class UserValidation
{
    /// <summary>UK National Curriculum years: 0 (Reception) to 13, and 14 for a few sixth forms' extra year.</summary>
    public const int MaxYearGroup = 14;

    /// <exception cref="UserInputException">A field is missing or wrong; the message names it.</exception>
    public static NewUser Validate(NewUser user, UserStoreOptions options, DateTimeOffset now)
    {
        var name = UserNames.Canonicalize(user.Name);
        var group = UserNames.Group(user.Group ?? UserStoreOptions.DefaultGroup(user.Kind));
        if (user.YearGroup is { } year && (user.Kind != UserKind.Pupil || year is < 0 or > MaxYearGroup))
        {
            throw new UserInputException(user.Kind != UserKind.Pupil
                ? $"{name}: only pupils have a year group"
                : $"{name}: year group {year} is not between 0 (Reception) and {MaxYearGroup}");
        }

        var sponsor = UserNames.Text("sponsor", user.Sponsor);
        var reason = UserNames.Text("reason", user.Reason);
        if (user.Kind == UserKind.Guest)
        {
            CheckGuest(name, sponsor, reason, user.ExpiresAt, options, now);
        }
        else if (user.ExpiresAt is not null)
        {
            throw new UserInputException($"{name}: only guests expire; disable staff and pupils who leave");
        }

        return user with
        {
            Name = name,
            Group = group,
            FirstName = UserNames.Text("first name", user.FirstName),
            LastName = UserNames.Text("last name", user.LastName),
            Sponsor = sponsor,
            Reason = reason,
        };
    }

    private static void CheckGuest(string name, string? sponsor, string? reason, DateTimeOffset? expiresAt, UserStoreOptions options, DateTimeOffset now)
    {
        if (sponsor is null)
        {
            throw new UserInputException($"guest {name}: a sponsor (the member of staff who vouches for them) is required");
        }

        if (reason is null)
        {
            throw new UserInputException($"guest {name}: a reason for the visit is required");
        }

        if (expiresAt is not { } end)
        {
            throw new UserInputException($"guest {name}: an expiry is required");
        }

        if (end <= now)
        {
            throw new UserInputException($"guest {name}: the expiry {end:u} is not in the future");
        }

        if (end - now > options.MaxGuestValidity)
        {
            throw new UserInputException($"guest {name}: the expiry {end:u} is more than {options.MaxGuestValidity.TotalDays:0.#} days away");
        }
    }
}
