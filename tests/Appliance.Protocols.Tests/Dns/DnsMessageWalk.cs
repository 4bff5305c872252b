using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>The step at which a walk stopped.</summary>
internal enum WalkStep
{
    Header,
    Question,
    Record,
    Edns,
    Done,
}

/// <summary>What a walk over one message saw: everything read before the first status that was not Ok.</summary>
internal sealed class WalkResult
{
    public ParseStatus Status { get; set; }
    public WalkStep Step { get; set; }
    public DnsHeader Header { get; set; }
    public List<DnsQuestion> Questions { get; } = [];
    public List<DnsRecord> Records { get; } = [];
    public EdnsInfo? Edns { get; set; }
    public int Position { get; set; }
}

/// <summary>
/// Walks a whole message the way the resolver does: header, every question, every record of the three sections,
/// and EDNS for an OPT record in the additional section. On the way it checks the reader's contract: it only
/// advances on Ok, and every offset it reports lies inside the message.
/// </summary>
internal static class DnsMessageWalk
{
    public static WalkResult Run(ReadOnlySpan<byte> message)
    {
        var result = new WalkResult();
        var reader = new DnsMessageReader(message);
        var status = reader.ReadHeader(out var header);
        if (status != ParseStatus.Ok)
        {
            Assert.Equal(0, reader.Position);
            return Stop(result, status, WalkStep.Header, reader.Position, message.Length);
        }

        Assert.Equal(DnsLimits.HeaderLength, reader.Position);
        result.Header = header;
        for (var i = 0; i < header.QuestionCount; i++)
        {
            var before = reader.Position;
            status = reader.ReadQuestion(out var question);
            if (status != ParseStatus.Ok)
            {
                Assert.Equal(before, reader.Position);
                return Stop(result, status, WalkStep.Question, reader.Position, message.Length);
            }

            Assert.Equal(before, question.NameOffset);
            Assert.InRange(question.NameWireLength, 1, DnsLimits.MaxNameLength);
            Assert.InRange(question.ExpandedNameLength, 1, DnsLimits.MaxNameLength);
            Assert.Equal(question.End, reader.Position);
            Assert.True(question.End <= message.Length, "question ends past the message");
            result.Questions.Add(question);
        }

        var records = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        var firstAdditional = header.AnswerCount + header.AuthorityCount;
        for (var i = 0; i < records; i++)
        {
            var before = reader.Position;
            status = reader.ReadRecord(out var record);
            if (status != ParseStatus.Ok)
            {
                Assert.Equal(before, reader.Position);
                return Stop(result, status, WalkStep.Record, reader.Position, message.Length);
            }

            Assert.Equal(before, record.Offset);
            Assert.InRange(record.NameWireLength, 1, DnsLimits.MaxNameLength);
            Assert.Equal(record.Offset + record.NameWireLength + 10, record.RDataOffset);
            Assert.True(record.TtlOffset + 4 <= record.RDataOffset, "TTL overlaps RDATA");
            Assert.True(record.RDataOffset + record.RDataLength <= message.Length, "RDATA ends past the message");
            Assert.Equal(record.End, reader.Position);
            result.Records.Add(record);

            if (i >= firstAdditional && record.Type == DnsType.Opt)
            {
                status = EdnsInfo.TryRead(message, record, out var edns);
                if (status != ParseStatus.Ok)
                {
                    return Stop(result, status, WalkStep.Edns, reader.Position, message.Length);
                }

                result.Edns = edns;
            }
        }

        Assert.Equal(message.Length - reader.Position, reader.Remaining);
        return Stop(result, ParseStatus.Ok, WalkStep.Done, reader.Position, message.Length);
    }

    private static WalkResult Stop(WalkResult result, ParseStatus status, WalkStep step, int position, int messageLength)
    {
        Assert.InRange(position, 0, messageLength);
        result.Status = status;
        result.Step = step;
        result.Position = position;
        return result;
    }
}
