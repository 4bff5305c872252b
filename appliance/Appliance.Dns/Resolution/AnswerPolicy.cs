using Appliance.Core.Identity;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>
/// Policy as the resolver applies it: who the client is (<see cref="IIdentityMap"/>), the decision on the
/// question, the decision on every name an answer's CNAME chain leads to (a blocked target blocks the answer:
/// <c>innocent.example CNAME blocked.example</c> must not get through), and the redaction of statutory names
/// before they are logged. Shared by the hot path and the forwarder's answers. Allocation-free.
/// </summary>
public sealed class AnswerPolicy
{
    private readonly PolicyEngine _engine;
    private readonly IIdentityMap _identities;
    private readonly TimeProvider _time;
    private readonly byte[] _redactionKey;

    public AnswerPolicy(PolicyEngine engine, IIdentityMap? identities, TimeProvider time, byte[]? redactionKey = null)
    {
        _engine = engine;
        _identities = identities ?? NoIdentities.Instance;
        _time = time;
        _redactionKey = redactionKey ?? StatutoryRedaction.NewKey();
    }

    public PolicyEngine Engine => _engine;

    public Verdict Decide(ReadOnlySpan<byte> lowerName, ushort type, in ClientAddress client, RequestSource source)
    {
        _identities.TryResolve(client, out var identity);
        return _engine.Decide(new RequestFacts(lowerName, type, client, source, _time.GetUtcNow(), identity));
    }

    /// <summary>
    /// Checks the CNAME targets in the answer section of <paramref name="response"/> (a complete message) for
    /// this client; if one is blocked, overwrites the response with the blocked answer for the client's question
    /// and returns true with the verdict (reason <see cref="ReasonCode.DnsBlockedCnameTarget"/>, or the
    /// statutory reason when a statutory list matched).
    /// </summary>
    public bool BlockByCnameTarget(Span<byte> response, ref int length, in ClientQuery query, ushort type, ushort @class, in ClientAddress client,
        RequestSource source, int limit, out Verdict verdict)
    {
        verdict = Verdict.AllowDefault;
        var message = response[..length];
        var reader = new DnsMessageReader(message);
        if (reader.ReadHeader(out var header) != ParseStatus.Ok || header.QuestionCount != 1 || reader.ReadQuestion(out _) != ParseStatus.Ok)
        {
            return false;
        }

        Span<byte> target = stackalloc byte[DnsLimits.MaxNameLength];
        for (var i = 0; i < header.AnswerCount; i++)
        {
            if (reader.ReadRecord(out var record) != ParseStatus.Ok)
            {
                return false;
            }

            if (record.Type != DnsType.CName
                || DnsName.TryExpand(message, record.RDataOffset, target, out _, out var written) != ParseStatus.Ok)
            {
                continue;
            }

            var name = target[..written];
            DnsName.ToLowerInPlace(name);
            var decided = Decide(name, type, client, source);
            if (decided.IsBlocked)
            {
                var reason = decided.Reason == ReasonCode.DnsBlockedStatutory ? decided.Reason : ReasonCode.DnsBlockedCnameTarget;
                verdict = new Verdict(VerdictAction.Block, reason, decided.Categories, decided.Group);
                length = BlockedAnswer.Write(response, query, type, @class, VerdictAction.Block, decided.Categories, limit);
                return true;
            }
        }

        return false;
    }

    /// <summary>The name to record for an event: the name itself, or for statutory blocks its redacted form.</summary>
    public ReadOnlySpan<byte> LoggedName(in Verdict verdict, ReadOnlySpan<byte> lowerName, Span<byte> scratch)
        => verdict.Reason == ReasonCode.DnsBlockedStatutory && !lowerName.IsEmpty
            ? scratch[..StatutoryRedaction.Write(_redactionKey, lowerName, verdict.Categories, scratch)]
            : lowerName;
}
