namespace Appliance.Radius.Users;

/// <summary>Who a Wi-Fi account belongs to (issue 7): staff, a pupil, or a sponsored guest.</summary>
public enum UserKind
{
    Staff,
    Pupil,
    Guest,
}

/// <summary>A user as RADIUS needs them after a successful check: the name to log, the policy group, and a guest's expiry.</summary>
/// <param name="Name">The stored (canonical, lower-case) user name: the Access-Accept's User-Name and the identity map's user.</param>
/// <param name="Kind">Staff, pupil or guest.</param>
/// <param name="Group">The policy group (the policy file's group name), which also picks the VLAN.</param>
/// <param name="YearGroup">A pupil's year group (e.g. 7–13), else null.</param>
/// <param name="ExpiresAt">A guest's end of validity; null for accounts that do not expire.</param>
public sealed record DirectoryUser(string Name, UserKind Kind, string Group, int? YearGroup, DateTimeOffset? ExpiresAt);

/// <summary>The outcome of one credential check. Everything but <see cref="Accepted"/> is an Access-Reject.</summary>
public enum CredentialOutcome
{
    Accepted,
    UnknownUser,
    WrongPassword,
    Disabled,
    Expired,

    /// <summary>Too many recent failures: refused without looking at the password until the lockout ends.</summary>
    LockedOut,

    /// <summary>MSCHAPv2 asked for a user with no NT hash stored (e.g. imported with a slow hash only).</summary>
    NoNtHash,
}

/// <summary>The result of a check: the outcome, and the user when accepted.</summary>
public readonly record struct CredentialCheck(CredentialOutcome Outcome, DirectoryUser? User)
{
    public bool Accepted => Outcome == CredentialOutcome.Accepted;
}

/// <summary>Tests an MSCHAPv2 response against the user's NT hash (MD4 of the UTF-16LE password, RFC 2759 §8.3).</summary>
public delegate bool NtHashCheck(ReadOnlySpan<byte> ntHash);

/// <summary>
/// The user store as the RADIUS server sees it. Both checks count failures towards the lockout and a success
/// clears it; both refuse disabled users and expired guests. Safe to call from many threads.
/// </summary>
public interface IUserDirectory
{
    /// <summary>PAP and TTLS-PAP: the cleartext password against the stored slow hash.</summary>
    CredentialCheck CheckPassword(string userName, ReadOnlySpan<byte> password);

    /// <summary>
    /// MSCHAPv2 (PEAP, TTLS): the store decrypts the user's NT hash, hands it to <paramref name="check"/> and wipes it;
    /// the hash never leaves this call.
    /// </summary>
    CredentialCheck CheckNtHash(string userName, NtHashCheck check);

    /// <summary>The user's policy group, or null when there is no such enabled user (the accounting identity map).</summary>
    string? GroupOf(string userName);
}
