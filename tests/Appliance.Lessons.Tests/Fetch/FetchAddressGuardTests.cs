using System.Net;
using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Lessons.Tests.Fetch;

public sealed class FetchAddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", false, false)]
    [InlineData("::1", false, false)]
    [InlineData("169.254.169.254", false, false)]   // cloud metadata
    [InlineData("fe80::1", false, false)]
    [InlineData("0.0.0.0", false, false)]
    [InlineData("224.0.0.251", false, false)]
    [InlineData("::ffff:127.0.0.1", false, false)]  // mapped loopback
    [InlineData("10.20.0.1", false, true)]
    [InlineData("172.16.5.5", false, true)]
    [InlineData("172.32.0.1", true, true)]
    [InlineData("192.168.1.1", false, true)]
    [InlineData("100.64.0.1", false, true)]
    [InlineData("fd12:3456::1", false, true)]
    [InlineData("::ffff:10.0.0.1", false, true)]
    [InlineData("198.51.100.7", false, false)]   // documentation ranges are nobody's site
    [InlineData("198.18.0.1", false, false)]
    [InlineData("93.184.215.14", true, true)]
    [InlineData("2a00:1450:4009::200e", true, true)]
    public void Allows_ByAddressAndMode(string address, bool publicMode, bool privateMode)
    {
        var ip = IPAddress.Parse(address);

        Assert.Equal(publicMode, FetchAddressGuard.Allows(ip, FetchAddresses.Public));
        Assert.Equal(privateMode, FetchAddressGuard.Allows(ip, FetchAddresses.Private));
        Assert.True(FetchAddressGuard.Allows(ip, FetchAddresses.Any));
    }

    [Fact]
    public async Task Fetch_OfTheBoxItself_RefusedUnlessAny_WithTheAddressInTheReport()
    {
        using var site = new LessonSiteServer();
        site.File("page.html", "text/html", "<p>the box's own page</p>"u8.ToArray());
        var root = Directory.CreateTempSubdirectory("lessons-guard-").FullName;
        try
        {
            using var store = new ContentStore(new ContentStoreOptions(root, 1L << 20));
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            using (var guarded = LessonFetcher.CreateHttpClient())
            {
                var report = await new LessonFetcher(guarded, store, time).FetchAsync(new LessonFetchRequest("1", [site.Url("page.html")], new FetchLimits()), CancellationToken.None);
                var line = Assert.Single(report.Items);
                Assert.Equal(FetchOutcome.Failed, line.Outcome);
                Assert.Contains("127.0.0.1: the box does not fetch from local, link-local or private addresses, or its own", line.Problem, StringComparison.Ordinal);
                Assert.Empty(site.Requests);
            }

            using var open = LessonFetcher.CreateHttpClient(FetchAddresses.Any);
            var allowed = await new LessonFetcher(open, store, time).FetchAsync(new LessonFetchRequest("1", [site.Url("page.html")], new FetchLimits()), CancellationToken.None);
            Assert.Equal(FetchOutcome.Fetched, Assert.Single(allowed.Items).Outcome);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
