using Appliance.Protocols.Http;
using Appliance.Protocols.Tests.Fuzzing;

namespace Appliance.Protocols.Tests.Http;

/// <summary>Seeded fuzz run: mutated heads never throw, and an Ok host always lies inside the input.</summary>
public class HttpRequestHeadFuzzTests
{
    [Fact]
    public void TryReadHost_MutatedHeads_NeverThrowAndKeepTheHostInsideTheInput()
    {
        var inputs = HttpVectors.All.Values.Select(v => v.Bytes).ToArray();

        var outcomes = FuzzRun.Run(0x4877_7001, 100_000, inputs, stream =>
        {
            var status = HttpRequestHead.TryReadHost(stream, out var host);
            Assert.True(host.IsEmpty || (status == ParseStatus.Ok && SpanPlace.IsInside(stream, host)));
            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
        outcomes.AssertShare(ParseStatus.NeedMoreData, 0.01);
        outcomes.AssertShare(ParseStatus.NotThisProtocol, 0);
    }
}
