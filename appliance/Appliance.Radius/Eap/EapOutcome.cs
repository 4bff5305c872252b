using Appliance.Radius.Users;

namespace Appliance.Radius.Eap;

/// <summary>How the server answers an Access-Request that carried EAP.</summary>
public enum EapVerdict
{
    /// <summary>Access-Challenge with the next EAP-Request and a State.</summary>
    Challenge,

    /// <summary>Access-Accept with EAP-Success, the MS-MPPE keys and the user's attributes.</summary>
    Accept,

    /// <summary>Access-Reject with EAP-Failure.</summary>
    Reject,
}

/// <summary>The answer to one EAP message: the EAP packet to send, and for a Challenge its State, for an Accept the MSK.</summary>
public sealed class EapOutcome
{
    public required EapVerdict Verdict { get; init; }

    /// <summary>The EAP packet for the reply's EAP-Message attributes (Request, Success or Failure).</summary>
    public required byte[] EapPacket { get; init; }

    /// <summary>The State for an Access-Challenge (16 octets).</summary>
    public byte[]? State { get; init; }

    /// <summary>The 64-octet Master Session Key of an Accept (RFC 5247): MS-MPPE-Recv-Key is its first half, Send-Key the second.</summary>
    public byte[]? Msk { get; init; }

    /// <summary>The directory's answer: the user (Accept), or why they were refused.</summary>
    public CredentialCheck Check { get; init; }

    /// <summary>The EAP method that finished (PEAP, TTLS), for logs.</summary>
    public string? Method { get; init; }

    /// <summary>The name typed inside the tunnel (the outer one is often <c>anonymous</c>), once the inner method has it.</summary>
    public string? InnerIdentity { get; init; }

    /// <summary>Why the conversation ended in a reject, for the log (never a password).</summary>
    public string? Reason { get; init; }
}
