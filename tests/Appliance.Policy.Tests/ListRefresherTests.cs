using System.Security.Cryptography;
using System.Text;
using Appliance.Core.Lists;
using Appliance.Policy.Lists;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Policy.Tests;

/// <summary>Scheduled list refresh: conditional GET, the checks, and keeping the last good copy.</summary>
public sealed class ListRefresherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lists-").FullName;
    private readonly ListServer _server = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Names(int count, string prefix = "site") => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{prefix}{i}.example")) + "\n";

    private ListRefresher Refresher(ListSourceOptions options, double maxShrink = 0.5, string cache = "cache")
        => new([options], Path.Combine(_dir, cache), _http, _time, maxShrink);

    private static ListSourceOptions Remote(string url) => new() { Source = url, Category = Category.Gambling };

    private async Task<ListStatus> Refresh(ListRefresher refresher) => (await refresher.RefreshAsync(localOnly: false, CancellationToken.None)).Single();

    private static string GoodContent(ListRefresher refresher) => File.ReadAllText(refresher.GoodCopies(statutory: false).Single().Path);

    [Fact]
    public async Task Remote_FirstFetch_ThenConditionalGetAnswered304()
    {
        _server.Set("gambling.txt", Names(100));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")));

        var first = await Refresh(refresher);
        var second = await Refresh(refresher);

        Assert.Equal((ListRefreshOutcome.Updated, 100), (first.Outcome, first.Names));
        Assert.Equal(ListRefreshOutcome.Unchanged, second.Outcome);
        Assert.Equal("not modified", second.Detail);
        Assert.StartsWith("gambling.txt \"v", _server.Requests[1], StringComparison.Ordinal);   // If-None-Match sent
        Assert.Equal(_time.GetUtcNow(), first.LastGood);
    }

    [Fact]
    public async Task Remote_Changed_Updated()
    {
        _server.Set("gambling.txt", Names(100));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")));
        await Refresh(refresher);
        _server.Set("gambling.txt", Names(120));

        var status = await Refresh(refresher);

        Assert.Equal((ListRefreshOutcome.Updated, 120), (status.Outcome, status.Names));
        Assert.Contains("site119.example", GoodContent(refresher), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_TurnsIntoHtml_RefusedAndTheLastGoodCopyKept()
    {
        _server.Set("gambling.txt", Names(100));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")));
        await Refresh(refresher);
        _server.Set("gambling.txt", "<!DOCTYPE html>\n<html><body>Please log in to the hotel Wi-Fi</body></html>\n");

        var status = await Refresh(refresher);

        Assert.Equal(ListRefreshOutcome.Refused, status.Outcome);
        Assert.Contains("HTML", status.Detail, StringComparison.Ordinal);
        Assert.Equal(Names(100), GoodContent(refresher));
        Assert.Equal(100, status.Names);
    }

    [Fact]
    public async Task Remote_ShrinksTooMuch_Refused_WithinTheShareAccepted()
    {
        _server.Set("gambling.txt", Names(1000));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")), maxShrink: 0.3);
        await Refresh(refresher);

        _server.Set("gambling.txt", Names(600));
        var shrunk = await Refresh(refresher);
        _server.Set("gambling.txt", Names(800));
        var fine = await Refresh(refresher);

        Assert.Equal(ListRefreshOutcome.Refused, shrunk.Outcome);
        Assert.Contains("shrank from 1000 to 600 names", shrunk.Detail, StringComparison.Ordinal);
        Assert.Equal((ListRefreshOutcome.Updated, 800), (fine.Outcome, fine.Names));
    }

    [Fact]
    public async Task Remote_OverTheSizeLimit_Refused()
    {
        _server.Set("gambling.txt", Names(100));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")) with { MaxBytes = 500 });

        var status = await Refresh(refresher);

        Assert.Equal(ListRefreshOutcome.Failed, status.Outcome);
        Assert.Contains("over the limit of 500", status.Detail, StringComparison.Ordinal);
        Assert.Empty(refresher.GoodCopies(statutory: false));
    }

    [Fact]
    public async Task Remote_Unreachable_Failed_LastGoodKept()
    {
        _server.Set("gambling.txt", Names(10));
        var refresher = Refresher(Remote(_server.Url("gambling.txt")));
        var first = await Refresh(refresher);
        _server.Remove("gambling.txt");

        var status = await Refresh(refresher);

        Assert.Equal(ListRefreshOutcome.Failed, status.Outcome);
        Assert.Contains("404", status.Detail, StringComparison.Ordinal);
        Assert.Equal(Names(10), GoodContent(refresher));
        Assert.Equal((10, first.LastGood), (status.Names, status.LastGood));
    }

    [Fact]
    public async Task Sha256_Pinned_MismatchRefused_MatchAccepted()
    {
        var body = Names(50);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        _server.Set("iwf.txt", body);

        var wrong = await Refresh(Refresher(Remote(_server.Url("iwf.txt")) with { Sha256 = new string('0', 64) }));
        var right = await Refresh(Refresher(Remote(_server.Url("iwf.txt")) with { Sha256 = sha.ToUpperInvariant() }, cache: "other"));

        Assert.Equal(ListRefreshOutcome.Refused, wrong.Outcome);
        Assert.Contains("is not the pinned", wrong.Detail, StringComparison.Ordinal);
        Assert.Equal(ListRefreshOutcome.Updated, right.Outcome);
    }

    [Fact]
    public async Task Sha256_Published_AsSha256sumWritesIt()
    {
        var body = Names(50);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        _server.Set("list.txt", body);
        _server.Set("list.txt.sha256", $"{sha}  list.txt\n");
        _server.Set("bad.sha256", $"{new string('a', 64)}  list.txt\n");

        var good = await Refresh(Refresher(Remote(_server.Url("list.txt")) with { Sha256Url = _server.Url("list.txt.sha256") }));
        var bad = await Refresh(Refresher(Remote(_server.Url("list.txt")) with { Sha256Url = _server.Url("bad.sha256") }, cache: "other"));

        Assert.Equal(ListRefreshOutcome.Updated, good.Outcome);
        Assert.Equal(ListRefreshOutcome.Refused, bad.Outcome);
    }

    [Fact]
    public async Task Signature_EcdsaP256_ValidAccepted_TamperedRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = Names(50);
        var signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var publicPem = key.ExportSubjectPublicKeyInfoPem();
        _server.Set("signed.txt", body);
        _server.Set("signed.txt.sig", signature);
        _server.Set("tampered.txt", body + "extra.example\n");

        var good = await Refresh(Refresher(Remote(_server.Url("signed.txt")) with { SignatureUrl = _server.Url("signed.txt.sig"), PublicKeyPem = publicPem }));
        var tampered = await Refresh(Refresher(Remote(_server.Url("tampered.txt")) with { SignatureUrl = _server.Url("signed.txt.sig"), PublicKeyPem = publicPem }));

        Assert.Equal(ListRefreshOutcome.Updated, good.Outcome);
        Assert.Equal(ListRefreshOutcome.Refused, tampered.Outcome);
        Assert.Contains("signature does not verify", tampered.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalFile_ReReadWhenItChanges_SameChecks()
    {
        var path = Path.Combine(_dir, "custom.txt");
        await File.WriteAllTextAsync(path, Names(10));
        var refresher = Refresher(new ListSourceOptions { Source = path, Category = Category.Drugs });

        var first = await Refresh(refresher);
        var same = await Refresh(refresher);
        await File.WriteAllTextAsync(path, "<html>oops</html>\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        var html = await Refresh(refresher);

        Assert.Equal(ListRefreshOutcome.Updated, first.Outcome);
        Assert.Equal(ListRefreshOutcome.Unchanged, same.Outcome);
        Assert.Equal(ListRefreshOutcome.Refused, html.Outcome);
        Assert.Equal(Names(10), GoodContent(refresher));
        Assert.Single(refresher.GoodCopies(statutory: false));
        Assert.Empty(refresher.GoodCopies(statutory: true));
    }

    [Fact]
    public async Task LastGoodCopy_SurvivesARestart()
    {
        _server.Set("gambling.txt", Names(30));
        await Refresh(Refresher(Remote(_server.Url("gambling.txt"))));

        var restarted = Refresher(Remote(_server.Url("gambling.txt")));

        Assert.Equal(Names(30), GoodContent(restarted));
        Assert.Equal(30, restarted.Statuses.Single().Names);
        Assert.Equal(ListRefreshOutcome.Unchanged, (await Refresh(restarted)).Outcome);
    }

    [Fact]
    public async Task BackgroundWork_RunsAtTheLowestPriority()
    {
        var nice = await BackgroundWork.RunAsync(BackgroundWork.CurrentNice, "test");

        Assert.Equal(19, nice);
        Assert.NotEqual(19, BackgroundWork.CurrentNice());
    }
}
