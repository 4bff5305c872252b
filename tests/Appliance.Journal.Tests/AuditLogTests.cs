using Appliance.Journal.Audit;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Tests;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("audit-").FullName;

    private string DbPath => Path.Combine(_dir, "audit.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Fill(int n)
    {
        using var log = AuditLog.Open(DbPath);
        for (var i = 1; i <= n; i++)
        {
            log.Append("tech:alice", "policy.apply", $"policy v{i}", $$"""{"reason":"change {{i}}"}""");
        }
    }

    // What someone with the file (and no respect for the triggers) could do.
    private void Tamper(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete; " + sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void An_untouched_log_verifies_and_the_chain_continues_across_a_reopen()
    {
        Fill(5);
        using var log = AuditLog.Open(DbPath);
        var sixth = log.Append("la:ops", "command.received", "resend", "{}");
        Assert.Equal(6, sixth.Seq);
        Assert.Equal(log.Tail(2)[0].Hash, sixth.PreviousHash);
        var result = log.Verify();
        Assert.Equal(new AuditVerification(true, 6, 1, 6, sixth.HashHex, null), result);
    }

    [Fact]
    public void Two_writers_on_one_file_interleave_without_breaking_the_chain()
    {
        // The running appliance and the `appliance policy set` CLI each hold the file open.
        using var service = AuditLog.Open(DbPath);
        using var cli = AuditLog.Open(DbPath);
        for (var i = 0; i < 10; i++)
        {
            (i % 3 == 0 ? cli : service).Append(i % 3 == 0 ? "cli" : "service", "policy.apply", $"v{i}", "{}");
        }

        var result = service.Verify();
        Assert.True(result.Intact, result.Problem);
        Assert.Equal(10, result.LastSeq);
    }

    [Fact]
    public void Update_and_delete_are_refused_by_the_database_itself()
    {
        Fill(2);
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE audit SET actor = 'someone-else' WHERE seq = 1";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => command.ExecuteNonQuery()).Message, StringComparison.Ordinal);
        command.CommandText = "DELETE FROM audit WHERE seq = 2";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => command.ExecuteNonQuery()).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UPDATE audit SET detail = '{\"reason\":\"nothing to see\"}' WHERE seq = 3", "entry 3 was changed after it was written")]
    [InlineData("UPDATE audit SET at = at + 1 WHERE seq = 2", "entry 2 was changed after it was written")]
    [InlineData("DELETE FROM audit WHERE seq = 3", "entries 3–3 are missing")]
    [InlineData("DELETE FROM audit WHERE seq IN (2, 3)", "entries 2–3 are missing")]
    [InlineData("INSERT INTO audit SELECT 6, at, actor, action, subject, detail, zeroblob(32), hash FROM audit WHERE seq = 5", "entry 6 does not link to entry 5")]
    public void Tampering_is_found_and_named(string sql, string expected)
    {
        Fill(5);
        Tamper(sql);
        using var log = AuditLog.Open(DbPath);
        var result = log.Verify();
        Assert.False(result.Intact);
        Assert.StartsWith(expected, result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rewritten_entry_with_a_recomputed_hash_breaks_the_link_of_the_next()
    {
        Fill(4);
        using (var log = AuditLog.Open(DbPath))
        {
            var two = log.Tail(4)[1];
            var forged = AuditEntry.ComputeHash(2, two.At.ToUnixTimeMilliseconds(), "tech:mallory", two.Action, two.Subject, two.Detail, two.PreviousHash);
            Tamper($"UPDATE audit SET actor = 'tech:mallory', hash = X'{Convert.ToHexString(forged)}' WHERE seq = 2");
        }

        using var reopened = AuditLog.Open(DbPath);
        Assert.StartsWith("entry 3 does not link to entry 2", reopened.Verify().Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Pruning_by_retention_keeps_the_rest_verifiable_from_an_anchor()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var log = AuditLog.Open(DbPath, time);
        for (var i = 0; i < 10; i++)
        {
            log.Append("system", "config.loaded", "appliance.json", "{}");
            time.Advance(TimeSpan.FromDays(1));
        }

        Assert.Equal(4, log.Prune(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero)));
        var result = log.Verify();
        Assert.True(result.Intact, result.Problem);
        Assert.Equal((6L, 5L, 10L), (result.Entries, result.FirstSeq, result.LastSeq));
        Assert.Equal(11, log.Append("system", "config.loaded", "appliance.json", "{}").Seq);
        Assert.True(log.Verify().Intact);
    }

    [Fact]
    public void A_full_disk_is_named_and_the_chain_stays_whole()
    {
        Fill(3);
        using var log = AuditLog.Open(DbPath);
        using (var limit = log.Connection.CreateCommand())
        {
            limit.CommandText = "PRAGMA max_page_count = " + new SqliteCommand("PRAGMA page_count", log.Connection).ExecuteScalar();
            limit.ExecuteNonQuery();
        }

        var ex = Assert.Throws<JournalException>(() => log.Append("tech:alice", "policy.apply", "x", new string('x', 100_000)));
        Assert.Contains("'policy.apply' by tech:alice was not recorded", ex.Message, StringComparison.Ordinal);
        Assert.Contains("full", ex.Message, StringComparison.Ordinal);
        Assert.True(log.Verify().Intact);

        using (var limit = log.Connection.CreateCommand())
        {
            limit.CommandText = "PRAGMA max_page_count = 1000000";
            limit.ExecuteNonQuery();
        }

        Assert.Equal(4, log.Append("tech:alice", "policy.apply", "x", "{}").Seq);   // the failed append burned no seq
        Assert.True(log.Verify().Intact);
    }
}
