using System.Security.Cryptography;
using Appliance.Core.Events;
using Appliance.Fleet.Mqtt;

namespace Appliance.Fleet.Downlink;

/// <summary>
/// What commands and desired state share: the signature with the LA's key, the checks on the signed payload (this
/// box, this type, issued and expiry times), and the audit of every refusal (rate-limited: see <see cref="RefusalLimiter"/>).
/// </summary>
public sealed class DownlinkVerifier(FleetTopics topics, ECDsa key, IAuditSink audit, TimeProvider time)
{
    private readonly RefusalLimiter _refusals = new(time);

    public FleetTopics Topics => topics;

    public IAuditSink Audit => audit;

    public TimeProvider Time => time;

    /// <summary>The actor the audit log names for what the LA does.</summary>
    public string Actor => "la:" + topics.La;

    /// <summary>
    /// Opens and checks a message of <paramref name="type"/>; <paramref name="check"/> adds the caller's own checks
    /// (a problem text, or null). A refusal is audited as <c>{type}.refused</c> on <paramref name="subject"/>.
    /// </summary>
    public bool TryOpen(ReadOnlyMemory<byte> envelope, string type, string subject, Func<DownlinkMessage, string?>? check,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DownlinkMessage? message, out string problem)
    {
        message = null;
        try
        {
            var opened = DownlinkMessage.Parse(SignedEnvelope.Open(envelope.Span, key), type, topics, time.GetUtcNow());
            if (check?.Invoke(opened) is { } failed)
            {
                opened.Dispose();
                throw new SignatureException(failed);
            }

            message = opened;
            problem = "";
            return true;
        }
        catch (SignatureException ex)
        {
            problem = ex.Message;
            if (_refusals.ShouldRecord(out var heldBack))
            {
                audit.Record("la:unverified", $"{(type == "cmd" ? "command" : type)}.refused", subject,
                    AuditDetail.Of(("problem", ex.Message), ("alsoRefusedUnrecorded", heldBack > 0 ? heldBack : null)));
            }

            return false;
        }
    }
}
