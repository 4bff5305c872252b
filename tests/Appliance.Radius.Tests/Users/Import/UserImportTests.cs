using System.Text;
using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users.Import;

public sealed class UserImportTests : IDisposable
{
    private const string Export = """"
        UPN,Forename,Surname,Role,NC Year,Group,Tutor
        a.able,Ann,Able,Student,Year 7,year7,7AB
        b.baker,"Ben ""Benny""",Baker,Student,Y8,,8CD
        c.cole,Cat,"Cole, Jr",Teacher,,,
        """";

    private readonly UserStoreFixture _fixture = new();
    private readonly string _passwords;

    public UserImportTests() => _passwords = Path.Combine(_fixture.DataDir, "out", "passwords.csv");

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Import_MisExport_AddsUsersFromTheHeaderDrivenColumns()
    {
        using var store = _fixture.Open();

        var report = store.Import(new StringReader(Export.Replace("UPN", "User Name", StringComparison.Ordinal)), Options(), "technician");

        Assert.Equal((3, 0, 0, 3, true), (report.Added, report.Updated, report.Unchanged, report.PasswordsGenerated, report.Applied));
        Assert.Equal(["Tutor"], report.IgnoredColumns);
        var able = store.Get("a.able")!;
        Assert.Equal((UserKind.Pupil, "year7", (int?)7, "Ann", "Able"), (able.Kind, able.Group, able.YearGroup, able.FirstName, able.LastName));
        Assert.Equal(("Ben \"Benny\"", "pupils", (int?)8), (store.Get("b.baker")!.FirstName, store.Get("b.baker")!.Group, store.Get("b.baker")!.YearGroup));
        Assert.Equal((UserKind.Staff, "staff", "Cole, Jr"), (store.Get("c.cole")!.Kind, store.Get("c.cole")!.Group, store.Get("c.cole")!.LastName));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Import_GeneratedPasswords_GoToAnOwnerOnlyFile_AndWork()
    {
        using var store = _fixture.Open();

        store.Import(new StringReader(Renamed()), Options(), "technician");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_passwords));
        var lines = File.ReadAllLines(_passwords);
        Assert.Equal("username,password,kind,group,year", lines[0]);
        Assert.Equal(4, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            Assert.True(store.CheckPassword(fields[0], Encoding.UTF8.GetBytes(fields[1])).Accepted, line);
        }

        Assert.Equal(12, lines.Single(l => l.StartsWith("c.cole,", StringComparison.Ordinal)).Split(',')[1].Length);   // staff's minimum
    }

    [Fact]
    public void Import_PasswordsFileThatExists_IsNotOverwritten_AndNothingIsImported()
    {
        using var store = _fixture.Open();
        Directory.CreateDirectory(Path.GetDirectoryName(_passwords)!);
        File.WriteAllText(_passwords, "keep me");

        Assert.Throws<UserInputException>(() => store.Import(new StringReader(Renamed()), Options(), "technician"));

        Assert.Equal("keep me", File.ReadAllText(_passwords));
        Assert.Equal(0, store.List(new UserQuery()).Total);
    }

    [Fact]
    public void Import_BadLines_AreAllReportedWithLineNumbers_AndNothingIsImported()
    {
        using var store = _fixture.Open();
        var csv = """
            username,kind,year,password
            good.one,pupil,7,
            bad name,pupil,7,
            good.two,pupil,seven,
            good.three,guest,,
            good.one,pupil,8,
            short.pw,pupil,7,abc
            "unclosed,pupil,7,
            """;

        var report = store.Import(new StringReader(csv), Options(), "technician");

        Assert.False(report.Applied);
        Assert.Equal([3, 4, 5, 6, 7, 8], report.Errors.Select(e => e.Line));
        Assert.Contains("holds a space", report.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'seven' is not a number", report.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("guests are not imported", report.Errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("already on line 2", report.Errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("at least 8 characters", report.Errors[4].Message, StringComparison.Ordinal);
        Assert.Equal(0, store.List(new UserQuery()).Total);
        Assert.False(File.Exists(_passwords));
    }

    [Fact]
    public void Import_SkippingBadLines_ImportsTheGoodOnes()
    {
        using var store = _fixture.Open();

        var report = store.Import(new StringReader("username,kind\ngood.one,pupil\nbad name,pupil\n"), Options() with { SkipBadLines = true }, "technician");

        Assert.True(report.Applied);
        Assert.Equal((1, 3), (report.Added, Assert.Single(report.Errors).Line));
        Assert.NotNull(store.Get("good.one"));
    }

    [Fact]
    public void Import_DryRun_ChangesNothing_ButSaysWhatWouldChange()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("a.able", year: 6), "correct horse", "technician");

        var report = store.Import(new StringReader(Renamed()), Options() with { DryRun = true }, "technician");

        Assert.Equal((2, 1, false), (report.Added, report.Updated, report.Applied));
        Assert.Equal(1, store.List(new UserQuery()).Total);
        Assert.Equal(6, store.Get("a.able")!.YearGroup);
        Assert.False(File.Exists(_passwords));
        Assert.DoesNotContain(_fixture.Audit.Entries, e => e.Action == "users.imported");
    }

    [Fact]
    public void Import_Again_UpdatesInPlace_KeepsPasswords_AndDuplicatesNothing()
    {
        using var store = _fixture.Open();
        store.Import(new StringReader(Renamed()), Options(), "technician");
        var able = File.ReadAllLines(_passwords).Single(l => l.StartsWith("a.able,", StringComparison.Ordinal)).Split(',')[1];
        File.Delete(_passwords);

        var same = store.Import(new StringReader(Renamed()), Options(), "technician");
        var moved = store.Import(new StringReader(Renamed().Replace("Year 7,year7", "Year 8,year8", StringComparison.Ordinal)), Options(), "technician");

        Assert.Equal((0, 0, 3, false), (same.Added, same.Updated, same.Unchanged, same.Applied));
        Assert.Equal((0, 1, 2, true), (moved.Added, moved.Updated, moved.Unchanged, moved.Applied));
        Assert.Equal(3, store.List(new UserQuery()).Total);
        Assert.Equal(("year8", (int?)8), (store.Get("a.able")!.Group, store.Get("a.able")!.YearGroup));
        Assert.True(store.CheckPassword("a.able", Encoding.UTF8.GetBytes(able)).Accepted);
    }

    [Fact]
    public void Import_IsAuditedOnce_WithNamesButNoSecrets()
    {
        using var store = _fixture.Open();

        store.Import(new StringReader("username,kind,password\nj.doe,pupil,Secret-Pass-1\nk.roe,pupil,\n"), Options(), "technician");

        var entry = Assert.Single(_fixture.Audit.Entries);
        Assert.Equal(("technician", "users.imported"), (entry.Actor, entry.Action));
        Assert.Contains("\"added\":[\"j.doe\",\"k.roe\"]", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret-Pass-1", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllLines(_passwords)[1].Split(',')[1], entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_NewUsersWithoutPasswordsAndNoFile_IsRefusedBeforeAnyChange()
    {
        using var store = _fixture.Open();

        var error = Assert.Throws<UserInputException>(() => store.Import(new StringReader(Renamed()), new ImportOptions(), "technician"));

        Assert.Contains("3 new users", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.List(new UserQuery()).Total);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("forename,surname\nAnn,Able\n", "no user-name column")]
    [InlineData("username,login\na,b\n", "two columns mean Name")]
    [InlineData("username\na.able\n", "no kind")]
    public void Import_UnusableFile_SaysWhy(string csv, string expected)
    {
        using var store = _fixture.Open();

        var report = store.Import(new StringReader(csv), Options() with { DefaultKind = null }, "technician");

        Assert.False(report.Applied);
        Assert.Contains(expected, Assert.Single(report.Errors).Message, StringComparison.Ordinal);
    }

    private static string Renamed() => Export.Replace("UPN", "username", StringComparison.Ordinal);

    private ImportOptions Options() => new() { PasswordsFile = _passwords };
}
