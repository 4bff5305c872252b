using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>`appliance lists compile|show|check` on the real Block List Project lists and on bad input.</summary>
public sealed class ListsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lists-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<Processes.Result> Run(params string[] args) => Processes.RunAsync(ApplianceProcess.Executable, args, TimeSpan.FromSeconds(60));

    private static string Data(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Appliance.sln")))
        {
            dir = dir.Parent;
        }

        return Path.GetFullPath(Path.Combine(dir!.FullName, "..", "shared", "data", "blocklists", "blocklistproject", file));
    }

    private static string NameFrom(string file, int nth)
        => File.ReadLines(Data(file)).Where(l => !l.StartsWith('#') && !string.IsNullOrWhiteSpace(l)).Skip(nth).First().Trim();

    [Fact]
    public async Task Compile_RealLists_ThenShowAndCheck()
    {
        var output = Path.Combine(_dir, "school.dset");

        var compile = await Run("lists", "compile", "--out", output, Data("drugs.hosts"), Data("piracy.domains"), Data("tiktok.domains") + ":social-media");
        var show = await Run("lists", "show", output);
        var drug = NameFrom("drugs.domains", 100);
        var check = await Run("lists", "check", output, drug, "www." + drug, "example.org");

        Assert.Equal(0, compile.ExitCode);
        Assert.Matches(@"compiled \d+ distinct names", compile.Stdout);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("drugs: ", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("piracy: ", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("social-media: ", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{drug}: listed (drugs)", check.Stdout, StringComparison.Ordinal);
        Assert.Contains($"www.{drug}: listed (drugs)", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("example.org: not listed", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_AdblockWithExceptionsAndBadLines_ReportsSkipsAndExceptions()
    {
        var list = Path.Combine(_dir, "custom.txt");
        await File.WriteAllTextAsync(list, "||casino.example^\n@@||ok.casino.example^\n||site.example/path^\nexample.com##.ad\n");
        var output = Path.Combine(_dir, "custom.dset");

        var compile = await Run("lists", "compile", "--out", output, list + ":gambling");
        var check = await Run("lists", "check", output, "www.casino.example", "ok.casino.example");

        Assert.Equal(0, compile.ExitCode);
        Assert.Contains("1 names, 1 exceptions, 2 skipped (Adblock)", compile.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 3: ||site.example/path^", compile.Stdout, StringComparison.Ordinal);
        Assert.Contains("www.casino.example: listed (gambling)", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok.casino.example: listed (gambling) but excepted", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_HtmlInsteadOfAList_ExitsTwoAndKeepsTheLastGoodFile()
    {
        var output = Path.Combine(_dir, "school.dset");
        Assert.Equal(0, (await Run("lists", "compile", "--out", output, Data("piracy.domains"))).ExitCode);
        var good = await File.ReadAllBytesAsync(output);
        var html = Path.Combine(_dir, "gambling.txt");
        await File.WriteAllTextAsync(html, "<!DOCTYPE html>\n<html><body>Please log in to the Wi-Fi</body></html>\n");

        var result = await Run("lists", "compile", "--out", output, html);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is an HTML page, not a block list", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(good, await File.ReadAllBytesAsync(output));
    }

    [Theory]
    [InlineData("unknown-name.txt", "cannot tell the category")]
    [InlineData("drugs.txt:weeds", "is not a category")]
    [InlineData("missing/drugs.txt", "no such list file")]
    public async Task Compile_BadSources_ExitTwoWithReason(string source, string reason)
    {
        foreach (var file in new[] { "unknown-name.txt", "drugs.txt" })
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, file), "bad.example\n");
        }

        var result = await Run("lists", "compile", "--out", Path.Combine(_dir, "x.dset"), Path.Combine(_dir, source));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.dset")));
    }

    [Fact]
    public async Task Show_CorruptFile_ExitsTwoWithReason()
    {
        var path = Path.Combine(_dir, "broken.dset");
        await File.WriteAllTextAsync(path, "this is not a compiled list at all, just some text that is long enough to pass the size check ......");

        var result = await Run("lists", "show", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a compiled domain list", result.Stderr, StringComparison.Ordinal);
    }
}
