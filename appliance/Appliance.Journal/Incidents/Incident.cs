namespace Appliance.Journal.Incidents;

/// <summary>Where an incident stands. Only the DSL (locally or through the LA) acknowledges and closes.</summary>
public enum IncidentState
{
    Raised,
    Cancelled,
    Acknowledged,
    Closed,
}

/// <summary>
/// A safeguarding incident reported with the panel's button (or the web UI's, later): where and when, by whom where
/// known, the sealed evidence, and how far it got (outbox record, delivery, escalation, acknowledgement).
/// </summary>
public sealed record Incident(long Id, DateTimeOffset RaisedAt, string Panel, string Room, string RaisedBy, bool Test, IncidentState State, DateTimeOffset StateAt)
{
    /// <summary>Who moved it to its state (the DSL's name, "la:LA1", "panel"); null while raised.</summary>
    public string? StateBy { get; init; }

    /// <summary>SHA-256 (hex) of the sealed evidence bundle, once sealed.</summary>
    public string? EvidenceSha256 { get; init; }

    public string? EvidenceFile { get; init; }

    /// <summary>The e-mail alert that tells the DSL (delivery by e-mail is known from it).</summary>
    public long? AlertId { get; init; }

    /// <summary>When the LA's ingest (or the DSL's mail server) first had it; null: nobody has it yet.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>The last state sent to the LA (the service forwards any change, whichever process made it).</summary>
    public string? ForwardedState { get; init; }

    /// <summary>The outbox seq of the raise record in the incident stream (delivery: the LA acknowledged it).</summary>
    public long? OutboxSeq { get; init; }

    public bool IsOpen => State is IncidentState.Raised or IncidentState.Acknowledged;

    public string StateName => State.ToString().ToLowerInvariant();
}

/// <summary>A line the DSL wrote while triaging an incident: who, when, what (kept with the incident, not sent to the LA).</summary>
public sealed record IncidentNote(long IncidentId, DateTimeOffset At, string By, string Text);
