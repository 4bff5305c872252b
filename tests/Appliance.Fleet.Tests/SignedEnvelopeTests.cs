using System.Security.Cryptography;
using System.Text;
using Appliance.Fleet.Downlink;
using Appliance.Fleet.Mqtt;

namespace Appliance.Fleet.Tests;

public sealed class SignedEnvelopeTests
{
    private static readonly FleetTopics Topics = new("LA1", "SCH1", "apl-0001");
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    private static string Payload(string type = "cmd", string apl = "apl-0001", string school = "SCH1", long issuedOffsetMinutes = 0, long expiresOffsetMinutes = 5)
        => $$"""{"v":1,"type":"{{type}}","la":"LA1","school":"{{school}}","apl":"{{apl}}","id":"c1","name":"status","issued":{{(Now.AddMinutes(issuedOffsetMinutes)).ToUnixTimeMilliseconds()}},"expires":{{Now.AddMinutes(expiresOffsetMinutes).ToUnixTimeMilliseconds()}}}""";

    [Fact]
    public void A_signed_payload_opens_with_the_public_key_and_not_after_a_byte_changes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var envelope = SignedEnvelope.Sign(Encoding.UTF8.GetBytes(Payload()), key, "la-2026");
        Assert.Equal(Payload(), Encoding.UTF8.GetString(SignedEnvelope.Open(envelope, key)));

        var text = Encoding.UTF8.GetString(envelope);
        var start = text.IndexOf("\"payload\":\"", StringComparison.Ordinal) + 11;
        var tampered = Encoding.UTF8.GetBytes(text[..start] + (text[start] == 'A' ? 'B' : 'A') + text[(start + 1)..]);
        Assert.Contains("does not verify", Assert.Throws<SignatureException>(() => SignedEnvelope.Open(tampered, key)).Message, StringComparison.Ordinal);
        Assert.Contains("not a signed envelope", Assert.Throws<SignatureException>(() => SignedEnvelope.Open("{\"x\":1}"u8, key)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("desired", "apl-0001", "SCH1", 0, 5, "signed for 'desired', received as 'cmd'")]
    [InlineData("cmd", "apl-0002", "SCH1", 0, 5, "signed for LA1/SCH1/apl-0002, not this box")]
    [InlineData("cmd", "apl-0001", "SCH9", 0, 5, "signed for LA1/SCH9/apl-0001, not this box")]
    [InlineData("cmd", "apl-0001", "SCH1", -20, -10, "expired at")]
    [InlineData("cmd", "apl-0001", "SCH1", 30, 40, "in the future by this box's clock")]
    [InlineData("cmd", "apl-0001", "SCH1", 0, 3 * 24 * 60, "a command must carry an expiry no more than a day after it was issued")]
    public void A_payload_for_another_box_purpose_or_time_is_refused_by_name(string type, string apl, string school, long issued, long expires, string expected)
    {
        var ex = Assert.Throws<SignatureException>(() => DownlinkMessage.Parse(Encoding.UTF8.GetBytes(Payload(type, apl, school, issued, expires)), "cmd", Topics, Now));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}

public sealed class RefusalLimiterTests
{
    [Fact]
    public void At_most_twenty_refusals_an_hour_are_recorded_and_the_rest_are_counted_into_the_next()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var limiter = new RefusalLimiter(time);
        Assert.Equal(RefusalLimiter.PerHour, Enumerable.Range(0, 500).Count(_ => limiter.ShouldRecord(out _)));
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(limiter.ShouldRecord(out var heldBack));
        Assert.Equal(480, heldBack);
    }
}
