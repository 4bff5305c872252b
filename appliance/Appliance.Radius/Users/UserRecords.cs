namespace Appliance.Radius.Users;

/// <summary>A stored user as the command line and the web UI see them (never the password or its hashes).</summary>
/// <param name="Name">The canonical (lower-case) user name.</param>
/// <param name="Kind">Staff, pupil or guest.</param>
/// <param name="Group">The policy group.</param>
/// <param name="YearGroup">A pupil's year group.</param>
/// <param name="FirstName">From the MIS, if given.</param>
/// <param name="LastName">From the MIS, if given.</param>
/// <param name="Sponsor">A guest's sponsor (the member of staff who vouches for them).</param>
/// <param name="Reason">Why a guest is here.</param>
/// <param name="ExpiresAt">A guest's end of validity.</param>
/// <param name="Enabled">Disabled users are refused.</param>
/// <param name="HasNtHash">Whether MSCHAPv2 (PEAP) can work for this user; false means PAP/TTLS-PAP only.</param>
/// <param name="CreatedAt">When the user was added.</param>
/// <param name="UpdatedAt">When the technician (or an import) last changed the user.</param>
/// <param name="LockedUntil">The end of a lockout after repeated failures, when one is in force.</param>
public sealed record UserRecord(
    string Name,
    UserKind Kind,
    string Group,
    int? YearGroup,
    string? FirstName,
    string? LastName,
    string? Sponsor,
    string? Reason,
    DateTimeOffset? ExpiresAt,
    bool Enabled,
    bool HasNtHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LockedUntil)
{
    public DirectoryUser ToDirectoryUser() => new(Name, Kind, Group, YearGroup, ExpiresAt);
}

/// <summary>A user to create (or, on import, to update). Guests need <see cref="Sponsor"/>, <see cref="Reason"/> and <see cref="ExpiresAt"/>.</summary>
public sealed record NewUser
{
    public required string Name { get; init; }

    public required UserKind Kind { get; init; }

    /// <summary>The policy group; null takes the kind's default (<see cref="UserStoreOptions.DefaultGroup"/>).</summary>
    public string? Group { get; init; }

    public int? YearGroup { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Sponsor { get; init; }

    public string? Reason { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>False for a "PAP only" account: no NT hash is stored, so MSCHAPv2 (PEAP) cannot be used.</summary>
    public bool StoreNtHash { get; init; } = true;
}

/// <summary>A page of users for the web UI. Every filter is optional; <see cref="Search"/> matches part of the name, first or last name.</summary>
public sealed record UserQuery
{
    public const int MaxLimit = 500;

    public UserKind? Kind { get; init; }

    public string? Group { get; init; }

    public bool? Enabled { get; init; }

    /// <summary>Only pupils in this year group.</summary>
    public int? YearGroup { get; init; }

    /// <summary>Only guests this person sponsors (case-insensitive): a teacher's own guests.</summary>
    public string? Sponsor { get; init; }

    public string? Search { get; init; }

    public int Offset { get; init; }

    public int Limit { get; init; } = 50;
}

/// <summary>One page of a <see cref="UserQuery"/> and how many users match in all.</summary>
public sealed record UserPage(IReadOnlyList<UserRecord> Users, int Total);

/// <summary>A new guest and the password to hand over once (a voucher).</summary>
public sealed record GuestVoucher(UserRecord User, string Password);

/// <summary>The names of the kinds, as stored, printed and accepted on the command line.</summary>
public static class UserKinds
{
    public static string Name(UserKind kind) => kind switch
    {
        UserKind.Staff => "staff",
        UserKind.Pupil => "pupil",
        _ => "guest",
    };

    public static bool TryParse(string text, out UserKind kind)
    {
        kind = text.ToLowerInvariant() switch
        {
            "staff" => UserKind.Staff,
            "pupil" => UserKind.Pupil,
            "guest" => UserKind.Guest,
            _ => (UserKind)(-1),
        };
        return Enum.IsDefined(kind);
    }
}
