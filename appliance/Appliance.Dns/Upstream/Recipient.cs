using System.Net;
using System.Net.Sockets;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Transport;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Upstream;

/// <summary>
/// Who is waiting for an upstream answer and how to answer them: their transport and address, their id and
/// flags, their question exactly as sent (0x20 case), EDNS. Allocated once at start-up and reused.
/// </summary>
internal class Recipient
{
    public IReplySink? Sink;
    public readonly SocketAddress ReplyAddress = new(AddressFamily.InterNetworkV6);
    public ClientAddress Client;
    public ushort ClientId;
    public ushort ClientFlags;
    public bool HasEdns;
    public bool DnssecOk;
    public int Limit;
    public ReasonCode Reason;
    public byte Group;
    public long ReceivedAt;

    /// <summary>The client's rate key with its family, for the per-client cap on waiting queries.</summary>
    public ulong ClientKey;

    /// <summary>Name (client's case) + type + class.</summary>
    public readonly byte[] Question = new byte[DnsLimits.MaxNameLength + 4];
    public int QuestionLength;

    public static ulong KeyOf(in ClientAddress client)
        => (client.RateKey << 1) | (client.Family == AddressFamily.InterNetworkV6 ? 1UL : 0UL);

    /// <summary>Takes over another recipient's client (the miss path; no allocation).</summary>
    public void CopyFrom(Recipient other)
    {
        Sink = other.Sink;
        SetReplyAddress(other.ReplyAddress.Buffer.Span[..other.ReplyAddress.Size]);
        Client = other.Client;
        ClientKey = other.ClientKey;
        ClientId = other.ClientId;
        ClientFlags = other.ClientFlags;
        HasEdns = other.HasEdns;
        DnssecOk = other.DnssecOk;
        Limit = other.Limit;
        Reason = other.Reason;
        Group = other.Group;
        ReceivedAt = other.ReceivedAt;
        other.Question.AsSpan(0, other.QuestionLength).CopyTo(Question);
        QuestionLength = other.QuestionLength;
    }

    public void SetReplyAddress(ReadOnlySpan<byte> sockaddr)
    {
        var n = Math.Min(sockaddr.Length, ReplyAddress.Buffer.Length);
        sockaddr[..n].CopyTo(ReplyAddress.Buffer.Span);
        ReplyAddress.Size = n;
    }

    /// <summary>Copies a client's query details in (the miss path; no allocation).</summary>
    public void SetClient(in Resolution.ParsedQuery query, ReadOnlySpan<byte> question, in ClientAddress client, IReplySink sink,
        ReadOnlySpan<byte> replyAddress, in Core.Policy.Verdict verdict, long now)
    {
        Sink = sink;
        SetReplyAddress(replyAddress);
        Client = client;
        ClientKey = KeyOf(client);
        ClientId = query.Id;
        ClientFlags = query.Flags;
        HasEdns = query.HasEdns;
        DnssecOk = query.DnssecOk;
        Limit = sink.IsStream ? DnsLimits.MaxMessageLength : query.UdpLimit;
        Reason = verdict.Reason;
        Group = verdict.Group;
        ReceivedAt = now;
        question.CopyTo(Question);
        QuestionLength = question.Length;
    }
}

/// <summary>
/// A client that asked for a name already being fetched (request coalescing): it is answered from the same
/// upstream reply instead of sending another query. A fixed pool, chained from its <see cref="PendingQuery"/>.
/// </summary>
internal sealed class Waiter : Recipient
{
    public Waiter(int index) => Index = index;

    public int Index { get; }

    public int Next = -1;
}
