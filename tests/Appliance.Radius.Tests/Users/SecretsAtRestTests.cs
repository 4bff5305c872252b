using System.Text;
using Appliance.Protocols.Radius;
using Appliance.Radius.Users;
using Microsoft.Data.Sqlite;

namespace Appliance.Radius.Tests.Users;

public sealed class SecretsAtRestTests : IDisposable
{
    private const string Password = "correct horse";
    private readonly UserStoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void TheNtHash_AndThePassword_DoNotAppearInTheDatabase()
    {
        using (var store = _fixture.Open())
        {
            store.Add(UserStoreFixture.Pupil("j.smith"), Password, "technician");
            Assert.True(store.CheckNtHash("j.smith", _ => true).Accepted);
        }

        var ntHash = new byte[Md4.HashSize];
        Md4.HashData(Encoding.Unicode.GetBytes(Password), ntHash);
        var db = _fixture.DatabaseBytes();

        Assert.True(db.Length > 4096);
        Assert.Equal(-1, db.AsSpan().IndexOf(ntHash));
        Assert.Equal(-1, db.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)));
        Assert.Equal(-1, db.AsSpan().IndexOf(Encoding.Unicode.GetBytes(Password)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheKey_IsThirtyTwoOctets_OwnerOnly()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), Password, "technician");

        Assert.Equal(32, new FileInfo(_fixture.KeyPath).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_fixture.KeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(_fixture.KeyPath)!));
    }

    [Fact]
    public void AMissingKey_WithSealedHashes_IsAClearError_AndNoKeyIsMadeAnew()
    {
        using (var store = _fixture.Open())
        {
            store.Add(UserStoreFixture.Pupil("j.smith"), Password, "technician");
        }

        File.Delete(_fixture.KeyPath);

        var error = Assert.Throws<UserStoreException>(() => _fixture.Open());
        Assert.Contains(_fixture.KeyPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("is missing", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_fixture.KeyPath));
    }

    [Fact]
    public void AWrongKey_IsAClearError()
    {
        using (var store = _fixture.Open())
        {
            store.Add(UserStoreFixture.Pupil("j.smith"), Password, "technician");
        }

        File.WriteAllBytes(_fixture.KeyPath, new byte[32]);

        var error = Assert.Throws<UserStoreException>(() => _fixture.Open());
        Assert.Contains(_fixture.KeyPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not the key they were sealed with", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASealedHashCopiedToAnotherUser_DoesNotOpen()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("victim"), Password, "technician");
        store.Add(UserStoreFixture.Pupil("attacker"), "another password", "technician");
        using (var command = store.Connection.CreateCommand())
        {
            command.CommandText = "UPDATE users SET nt_hash = (SELECT nt_hash FROM users WHERE name = 'victim') WHERE name = 'attacker'";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<UserStoreException>(() => store.CheckNtHash("attacker", _ => true));
        Assert.Contains("attacker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptFile_IsAClearErrorNamingIt()
    {
        File.WriteAllBytes(_fixture.DbPath, Encoding.ASCII.GetBytes(new string('x', 8192)));

        var error = Assert.Throws<UserStoreException>(() => _fixture.Open());

        Assert.Contains(_fixture.DbPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherProgramsDatabase_IsRefusedAndLeftUntouched()
    {
        using (var foreign = new SqliteConnection($"Data Source={_fixture.DbPath};Pooling=false"))
        {
            foreign.Open();
            using var command = foreign.CreateCommand();
            command.CommandText = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)";
            command.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(_fixture.DbPath);

        var error = Assert.Throws<UserStoreException>(() => _fixture.Open());

        Assert.Contains(_fixture.DbPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not the appliance's user store", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_fixture.DbPath));
    }

    [Fact]
    public void AFullDisk_LosesNothingAlreadyStored()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), Password, "technician");
        using (var command = store.Connection.CreateCommand())
        {
            // SQLite's own limit stands in for a full disk: any write needing a new page fails with SQLITE_FULL.
            command.CommandText = "PRAGMA max_page_count = 1; SELECT 1";
            command.ExecuteNonQuery();
        }

        var csv = "username,kind\n" + string.Join('\n', Enumerable.Range(0, 300).Select(i => $"pupil{i},pupil"));
        var passwords = Path.Combine(_fixture.DataDir, "passwords.csv");

        var error = Assert.Throws<UserStoreException>(() => store.Import(new StringReader(csv), new ImportOptions { PasswordsFile = passwords }, "technician"));

        Assert.Contains(_fixture.DbPath, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(passwords));
        Assert.True(store.CheckPassword("j.smith", Encoding.UTF8.GetBytes(Password)).Accepted);
        Assert.Equal(1, store.List(new UserQuery()).Total);
    }
}
