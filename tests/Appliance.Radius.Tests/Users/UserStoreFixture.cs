using Appliance.Radius.Users;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Users;

/// <summary>A data directory of its own, a fake clock, a recording audit sink, and cheap PBKDF2 so tests stay fast.</summary>
internal sealed class UserStoreFixture : IDisposable
{
    public const int TestIterations = 1_000;

    public UserStoreFixture(UserStoreOptions? options = null)
    {
        DataDir = Directory.CreateTempSubdirectory("users-").FullName;
        Options = options ?? new UserStoreOptions { Pbkdf2Iterations = TestIterations };
    }

    public string DataDir { get; }

    public UserStoreOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    public RecordingAudit Audit { get; } = new();

    public string DbPath => Path.Combine(DataDir, UserStore.FileName);

    public string KeyPath => Path.Combine(DataDir, "keys", "users.key");

    public UserStore Open(UserStoreOptions? options = null) => UserStore.Open(DataDir, Audit, options ?? Options, Time);

    public void Dispose() => Directory.Delete(DataDir, recursive: true);

    public static NewUser Pupil(string name, int year = 7) => new() { Name = name, Kind = UserKind.Pupil, YearGroup = year };

    public static NewUser Staff(string name) => new() { Name = name, Kind = UserKind.Staff };

    public NewUser Guest(string name, TimeSpan validFor) => new()
    {
        Name = name,
        Kind = UserKind.Guest,
        Sponsor = "Mrs Khan",
        Reason = "Ofsted visit",
        ExpiresAt = Time.GetUtcNow() + validFor,
    };

    /// <summary>Every byte of the database and its write-ahead log.</summary>
    public byte[] DatabaseBytes()
    {
        using var bytes = new MemoryStream();
        foreach (var path in new[] { DbPath, DbPath + "-wal" }.Where(File.Exists))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.CopyTo(bytes);
        }

        return bytes.ToArray();
    }
}
