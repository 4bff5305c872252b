using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>
/// A message cut short anywhere (a UDP datagram clipped by a middlebox, a TCP read that stopped early) must be
/// refused with a status, never an exception or a read past its end.
/// </summary>
public class DnsTruncationTests
{
    [Theory]
    [MemberData(nameof(DnsVectors.Names), MemberType = typeof(DnsVectors))]
    public void Walk_FullVector_IsOkAtEveryStep(string vector)
    {
        var message = DnsVectors.All[vector];

        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(WalkStep.Done, walk.Step);
        Assert.Equal(message.Length, walk.Position);
        Assert.Equal(walk.Header.QuestionCount, walk.Questions.Count);
        Assert.Equal(walk.Header.AnswerCount + walk.Header.AuthorityCount + walk.Header.AdditionalCount, walk.Records.Count);
        Assert.Equal(walk.Records.Any(r => r.Type == DnsType.Opt), walk.Edns.HasValue);
    }

    [Theory]
    [MemberData(nameof(DnsVectors.Names), MemberType = typeof(DnsVectors))]
    public void Walk_EveryTruncation_IsNeedMoreDataOrMalformed(string vector)
    {
        var full = DnsVectors.All[vector];
        var fullWalk = DnsMessageWalk.Run(full);

        for (var length = 0; length < full.Length; length++)
        {
            // A fresh array of exactly this length: any read past the cut would throw.
            var message = full[..length];

            var walk = DnsMessageWalk.Run(message);

            Assert.True(
                walk.Status is ParseStatus.NeedMoreData or ParseStatus.Malformed,
                $"{vector} cut to {length} bytes returned {walk.Status} at {walk.Step}");
            Assert.NotEqual(WalkStep.Done, walk.Step);
            Assert.True(walk.Position <= length, $"{vector} cut to {length} bytes: position {walk.Position}");
            if (length < DnsLimits.HeaderLength)
            {
                Assert.Equal(WalkStep.Header, walk.Step);
            }
            else
            {
                // Everything that ends before the cut is read exactly as in the full message.
                Assert.Equal(fullWalk.Header, walk.Header);
                Assert.Equal(fullWalk.Questions.Where(q => q.End <= length), walk.Questions);
                Assert.Equal(fullWalk.Records.Where(r => r.End <= length), walk.Records);
            }
        }
    }

    [Theory]
    [MemberData(nameof(DnsVectors.Names), MemberType = typeof(DnsVectors))]
    public void TryMeasure_EveryTruncationOfEveryName_IsMalformed(string vector)
    {
        var full = DnsVectors.All[vector];
        var walk = DnsMessageWalk.Run(full);
        var starts = walk.Questions.Select(q => q.NameOffset).Concat(walk.Records.Select(r => r.Offset));
        var name = new byte[DnsLimits.MaxNameLength];

        foreach (var start in starts)
        {
            Assert.Equal(ParseStatus.Ok, DnsName.TryMeasure(full, start, out var consumed, out _));
            for (var length = 0; length < start + consumed; length++)
            {
                var message = full[..length];
                Assert.Equal(ParseStatus.Malformed, DnsName.TryMeasure(message, start, out _, out _));
                Assert.Equal(ParseStatus.Malformed, DnsName.TryExpand(message, start, name, out _, out _));
            }
        }
    }
}
