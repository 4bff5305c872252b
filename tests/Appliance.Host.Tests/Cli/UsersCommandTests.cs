using System.Text;
using System.Text.Json;
using Appliance.Host.Cli;
using Appliance.Journal.Audit;
using Appliance.Radius.Users;

namespace Appliance.Host.Tests.Cli;

/// <summary>The console is process-wide: these tests swap it, so they run alone.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection(nameof(ConsoleCollection))]
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("users-cli-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Add_WithoutPasswordStdin_GeneratesAndPrintsItOnce_AndItWorks()
    {
        var (code, output, _) = await Run(["users", "add", "J.Smith", "--kind", "pupil", "--year", "7", "--by", "technician"]);

        Assert.Equal(0, code);
        Assert.Contains("added j.smith (pupils, group pupils, year 7, enabled)", output, StringComparison.Ordinal);
        var password = output.Split("password: ")[1].Split(' ')[0];
        using var store = OpenStore();
        Assert.True(store.CheckPassword("j.smith", Encoding.UTF8.GetBytes(password)).Accepted);
    }

    [Fact]
    public async Task Add_PasswordFromStdin_IsUsedAndNeverPrinted()
    {
        var (code, output, _) = await Run(["users", "add", "head", "--kind", "staff", "--password-stdin", "--by", "technician"], "a long staff passphrase\n");

        Assert.Equal(0, code);
        Assert.DoesNotContain("passphrase", output, StringComparison.Ordinal);
        using var store = OpenStore();
        Assert.True(store.CheckPassword("head", "a long staff passphrase"u8).Accepted);
    }

    [Fact]
    public async Task Add_WeakPassword_ExitsTwoNamingTheProblem_AndAddsNobody()
    {
        var (code, _, error) = await Run(["users", "add", "head", "--kind", "staff", "--password-stdin", "--by", "technician"], "short\n");

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("at least 12 characters", error, StringComparison.Ordinal);
        using var store = OpenStore();
        Assert.Null(store.Get("head"));
    }

    [Fact]
    public async Task DisableEnablePasswd_ChangeTheUser_AndAreAuditedWithTheActor()
    {
        await Run(["users", "add", "j.smith", "--kind", "pupil", "--by", "technician"]);

        Assert.Equal(0, (await Run(["users", "disable", "j.smith", "--by", "ms.jones"])).Code);
        using (var store = OpenStore())
        {
            Assert.False(store.Get("j.smith")!.Enabled);
        }

        Assert.Equal(0, (await Run(["users", "enable", "j.smith", "--by", "ms.jones"])).Code);
        var (code, output, _) = await Run(["users", "passwd", "j.smith", "--by", "ms.jones"]);
        Assert.Equal(0, code);
        var password = output.Split("password: ")[1].Split(' ')[0];
        using (var store = OpenStore())
        {
            Assert.True(store.CheckPassword("j.smith", Encoding.UTF8.GetBytes(password)).Accepted);
        }

        using var audit = AuditLog.Open(Path.Combine(_dataDir, "audit.db"));
        var entries = audit.Tail(10).OrderBy(e => e.Seq).ToList();
        Assert.Equal(["user.added", "user.disabled", "user.enabled", "user.password-set"], entries.Select(e => e.Action));
        Assert.Equal(["technician", "ms.jones", "ms.jones", "ms.jones"], entries.Select(e => e.Actor));
        Assert.DoesNotContain(entries, e => e.Detail.Contains(password, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.BadUsage, (await Run(["users", "disable", "nobody", "--by", "ms.jones"])).Code);
    }

    [Fact]
    public async Task Guest_PrintsAVoucher_AndRemoveDeletesIt()
    {
        var (code, output, _) = await Run(["users", "guest", "--name", "visitor", "--sponsor", "Mrs Khan", "--reason", "Ofsted", "--hours", "3", "--by", "reception"]);

        Assert.Equal(0, code);
        Assert.Contains("user name:   visitor", output, StringComparison.Ordinal);
        Assert.Contains("sponsor:     Mrs Khan", output, StringComparison.Ordinal);
        var password = output.Split("password:")[1].Trim().Split('\n')[0].Trim();
        using (var store = OpenStore())
        {
            var check = store.CheckPassword("visitor", Encoding.UTF8.GetBytes(password));
            Assert.True(check.Accepted);
            Assert.InRange(check.User!.ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromHours(2.9), TimeSpan.FromHours(3));
        }

        Assert.Equal(0, (await Run(["users", "remove", "visitor", "--by", "reception"])).Code);
        using var after = OpenStore();
        Assert.Null(after.Get("visitor"));
    }

    [Theory]
    [InlineData(new[] { "--hours", "2", "--days", "1" }, "exactly one of")]
    [InlineData(new[] { "--days", "31" }, "more than 30 days")]
    [InlineData(new string[0], "exactly one of")]
    public async Task Guest_BadValidity_ExitsTwo(string[] validity, string expected)
    {
        var (code, _, error) = await Run(["users", "guest", "--sponsor", "Mrs Khan", "--reason", "Ofsted", .. validity, "--by", "reception"]);

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ThenList_FiltersAndPrintsJson()
    {
        var csv = Path.Combine(_dataDir, "mis.csv");
        await File.WriteAllTextAsync(csv, "\uFEFFUsername,Role,Year,Group\r\na.able,Student,7,year7\r\nb.baker,Student,8,year8\r\nc.cole,Teacher,,\r\n");
        var passwords = Path.Combine(_dataDir, "passwords.csv");

        var dry = await Run(["users", "import", csv, "--dry-run", "--by", "technician"]);
        var real = await Run(["users", "import", csv, "--passwords-out", passwords, "--by", "technician"]);
        var json = await Run(["users", "list", "--kind", "pupil", "--json"]);
        var text = await Run(["users", "list", "--group", "staff"]);

        Assert.Equal((0, 0), (dry.Code, real.Code));
        Assert.Contains("would be: 3 new", dry.Output, StringComparison.Ordinal);
        Assert.Contains("imported: 3 new", real.Output, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(passwords).Length);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(["a.able", "b.baker"], document.RootElement.EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        Assert.Equal(8, document.RootElement[1].GetProperty("yearGroup").GetInt32());
        Assert.Equal("c.cole (staff, group staff, enabled)", text.Output.Trim());
    }

    [Fact]
    public async Task Import_BadLines_ExitTwoWithLineNumbers_AndImportNothing()
    {
        var csv = Path.Combine(_dataDir, "mis.csv");
        await File.WriteAllTextAsync(csv, "username,kind\na.able,pupil\nb baker,pupil\n");

        var (code, _, error) = await Run(["users", "import", csv, "--passwords-out", Path.Combine(_dataDir, "p.csv"), "--by", "technician"]);

        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("line 3: user name 'b baker': holds a space", error, StringComparison.Ordinal);
        using var store = OpenStore();
        Assert.Null(store.Get("a.able"));
    }

    [Fact]
    public async Task CorruptStore_ExitsOneNamingTheFile()
    {
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "users.db"), new string('x', 8192));

        var (code, _, error) = await Run(["users", "list"]);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Contains(Path.Combine(_dataDir, "users.db"), error, StringComparison.Ordinal);
    }

    private UserStore OpenStore() => UserStore.Open(_dataDir, new NoAudit());

    private Task<(int Code, string Output, string Error)> Run(string[] args, string input = "") => CliRunner.Run(args, _dataDir, input);

    private sealed class NoAudit : Appliance.Core.Events.IAuditSink
    {
        public bool Record(string actor, string action, string subject, string detail) => true;
    }
}
