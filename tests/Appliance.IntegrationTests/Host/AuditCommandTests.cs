using Appliance.IntegrationTests.Peers;
using Microsoft.Data.Sqlite;

namespace Appliance.IntegrationTests.Host;

/// <summary>`appliance audit verify` on a real data directory: intact after a run, and a tampered entry named.</summary>
public sealed class AuditCommandTests
{
    private static Task<Processes.Result> Cli(string dataDir, params string[] args)
        => Processes.RunAsync(ApplianceProcess.Executable, [.. args, "--data-dir", dataDir], TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Verify_is_intact_after_runs_and_names_the_entry_someone_changed()
    {
        using var appliance = await ApplianceProcess.StartAsync(["--upstream", "127.0.0.1:9"]);
        Assert.Equal(0, appliance.StopGracefully());
        var dataDir = appliance.DataDir;

        var intact = await Cli(dataDir, "audit", "verify");
        Assert.Equal(0, intact.ExitCode);
        Assert.Contains("intact: 2 entries", intact.Stdout, StringComparison.Ordinal);   // the configuration and the first policy

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "audit.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_append_only_update; UPDATE audit SET actor = 'someone' WHERE seq = 1";
            command.ExecuteNonQuery();
        }

        var broken = await Cli(dataDir, "audit", "verify");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("is BROKEN: entry 1 was changed after it was written", broken.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_without_an_audit_log_says_so()
    {
        var empty = Directory.CreateTempSubdirectory("no-audit-").FullName;
        try
        {
            var result = await Cli(empty, "audit", "verify");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("no audit log", result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(empty, "audit.db")));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
