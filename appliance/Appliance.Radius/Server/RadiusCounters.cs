namespace Appliance.Radius.Server;

/// <summary>What the server has done since it started (written by its receive loops, read by health).</summary>
public sealed class RadiusCounters
{
    internal long RequestsField;
    internal long AcceptsField;
    internal long RejectsField;
    internal long ChallengesField;
    internal long AccountingField;
    internal long UnknownClientField;
    internal long MissingMessageAuthenticatorField;
    internal long BadAuthenticatorField;
    internal long MalformedField;
    internal long DuplicatesField;
    internal long OverloadedField;
    internal long FailedField;
    internal long UnverifiedAccountingField;

    public long Requests => Interlocked.Read(ref RequestsField);

    public long Accepts => Interlocked.Read(ref AcceptsField);

    public long Rejects => Interlocked.Read(ref RejectsField);

    /// <summary>Access-Challenges sent (EAP round trips).</summary>
    public long Challenges => Interlocked.Read(ref ChallengesField);

    public long Accounting => Interlocked.Read(ref AccountingField);

    /// <summary>Dropped: from an address that is no client of ours.</summary>
    public long UnknownClient => Interlocked.Read(ref UnknownClientField);

    /// <summary>Dropped: an Access-Request or Status-Server without Message-Authenticator (BlastRADIUS, CVE-2024-3596).</summary>
    public long MissingMessageAuthenticator => Interlocked.Read(ref MissingMessageAuthenticatorField);

    /// <summary>Dropped: a Message-Authenticator or accounting authenticator that does not match (wrong secret, forgery).</summary>
    public long BadAuthenticator => Interlocked.Read(ref BadAuthenticatorField);

    public long Malformed => Interlocked.Read(ref MalformedField);

    /// <summary>Retransmissions answered from the reply cache (or dropped while the first was in progress).</summary>
    public long Duplicates => Interlocked.Read(ref DuplicatesField);

    /// <summary>Dropped unanswered because every worker was busy and the queue full (the access point retransmits).</summary>
    public long Overloaded => Interlocked.Read(ref OverloadedField);

    /// <summary>Dropped because answering threw (the user store could not be read or written; a bug): see the log.</summary>
    public long Failed => Interlocked.Read(ref FailedField);

    /// <summary>Accounting records whose user could not be confirmed (no Class of ours, no login of theirs seen): mapped to nobody.</summary>
    public long UnverifiedAccounting => Interlocked.Read(ref UnverifiedAccountingField);
}
