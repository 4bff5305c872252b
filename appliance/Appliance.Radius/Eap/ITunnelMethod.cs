using Appliance.Radius.Users;

namespace Appliance.Radius.Eap;

/// <summary>What the inner (phase 2) method wants after reading the peer's plaintext.</summary>
internal enum InnerAction
{
    /// <summary>Send <see cref="InnerStep.Plaintext"/> through the tunnel in the next Access-Challenge.</summary>
    Send,

    /// <summary>The user is authenticated: Access-Accept with EAP-Success and the keys.</summary>
    Accept,

    /// <summary>Access-Reject with EAP-Failure.</summary>
    Reject,
}

/// <summary>One step of an inner method.</summary>
internal readonly record struct InnerStep(InnerAction Action, byte[]? Plaintext, CredentialCheck Check, string? Reason)
{
    public static InnerStep Send(byte[] plaintext) => new(InnerAction.Send, plaintext, default, null);

    public static InnerStep Accept(CredentialCheck check) => new(InnerAction.Accept, null, check, null);

    public static InnerStep Reject(string reason, CredentialCheck check = default) => new(InnerAction.Reject, null, check, reason);
}

/// <summary>
/// The authentication inside a TLS tunnel (PEAPv0's inner EAP, EAP-TTLS's Diameter AVPs). It sees plaintext only; the
/// conversation encrypts, fragments and frames.
/// </summary>
internal interface ITunnelMethod
{
    /// <summary>The label of the RFC 5705 export whose first 64 octets are the MSK (RFC 5216 §2.3, RFC 5281 §8).</summary>
    string KeyLabel { get; }

    /// <summary>The identity the inner method established (the Accept's User-Name), once known.</summary>
    string? InnerIdentity { get; }

    /// <summary>Handles the peer's plaintext.</summary>
    /// <param name="plaintext">What the peer sent through the tunnel (empty when it only acknowledged the end of the handshake).</param>
    /// <param name="identifier">The EAP Identifier of the Request that will carry any reply (PEAP's inner EAP packets use it).</param>
    InnerStep Process(ReadOnlySpan<byte> plaintext, byte identifier);
}
