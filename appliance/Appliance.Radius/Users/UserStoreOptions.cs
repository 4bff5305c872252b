namespace Appliance.Radius.Users;

/// <summary>
/// How the user store judges passwords, counts failures and bounds guests. The defaults are what a UK school would
/// expect: NCSC password guidance (length and a deny list, no composition rules), staff longer than pupils.
/// </summary>
public sealed record UserStoreOptions
{
    public PasswordPolicy Passwords { get; init; } = new();

    public LockoutPolicy Lockout { get; init; } = new();

    /// <summary>
    /// PBKDF2-HMAC-SHA256 iterations for new hashes; stored per user, so raising it re-hashes each user at their next
    /// PAP login. 100,000 cost 34 ms of CPU per hash on the shared x64 development machine (OpenSSL with SHA-NI;
    /// 45 ms wall under load); a Raspberry Pi 4 (Cortex-A72, no SHA-2 instructions) is estimated at 3–5× that, a Pi 5
    /// (with them) near the x64 figure. Only TTLS-PAP pays it per login; PEAP-MSCHAPv2 checks the NT hash. OWASP's
    /// 600,000 would take about a second per login on a Pi 4, and buys little while the (unsalted, far weaker) NT
    /// hash is stored beside it: the NT-hash key kept apart is what protects a stolen users.db.
    /// </summary>
    public int Pbkdf2Iterations { get; init; } = Pbkdf2Password.DefaultIterations;

    /// <summary>The longest a guest account may last (a sponsor renews it rather than making it open-ended).</summary>
    public TimeSpan MaxGuestValidity { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The policy group a user gets when none is given: staff → "staff", pupils → "pupils", guests → "guests".</summary>
    public static string DefaultGroup(UserKind kind) => kind switch
    {
        UserKind.Staff => "staff",
        UserKind.Pupil => "pupils",
        _ => "guests",
    };
}

/// <summary>Minimum password lengths per kind of user. RFC 2865 §5.2 caps a PAP password at 128 octets.</summary>
public sealed record PasswordPolicy
{
    public const int MaxLengthBytes = 128;

    /// <summary>Staff reach more (MIS, safeguarding notes): 12, as NCSC suggests for accounts worth more.</summary>
    public int StaffMinLength { get; init; } = 12;

    /// <summary>Pupils from year 7 up type it on phones and tablets: 8 with the deny list.</summary>
    public int PupilMinLength { get; init; } = 8;

    /// <summary>Guests normally get a generated 10-character password; a chosen one needs 8.</summary>
    public int GuestMinLength { get; init; } = 8;

    public int MinLength(UserKind kind) => kind switch
    {
        UserKind.Staff => StaffMinLength,
        UserKind.Pupil => PupilMinLength,
        _ => GuestMinLength,
    };
}

/// <summary>
/// Lockout after repeated failures: <see cref="MaxFailures"/> failed checks within <see cref="Window"/> lock the
/// account for <see cref="Duration"/>; while locked, checks are refused without looking at the password, so a
/// guesser gets no answer and costs no hashing.
/// </summary>
public sealed record LockoutPolicy
{
    public int MaxFailures { get; init; } = 10;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(15);
}
