using System.Globalization;
using System.Text.Json;
using Appliance.Core.Policy;
using Microsoft.Data.Sqlite;

namespace Appliance.Policy;

/// <summary>Where a proposed policy change stands. Only a pending proposal can be decided; every other state is final.</summary>
public enum ProposalState
{
    Pending,
    Approved,
    Rejected,
    Withdrawn,

    /// <summary>The policy moved on past the version the proposal was made against before anyone approved it.</summary>
    Stale,
}

/// <summary>
/// A change to the policy waiting for its second person (the two-person rule, school-requirements.md §4.2): who proposed
/// it, when, why, against which version, what it changes; and, once decided, who decided, when, and why.
/// </summary>
public sealed record PolicyProposal(
    long Id,
    DateTimeOffset At,
    string Proposer,
    string ProposerRole,
    string Reason,
    long BaseVersion,
    string Summary,
    PolicyDocument Document,
    ProposalState State,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionReason,
    string? LastError,
    long? AppliedVersion);

/// <summary>
/// Proposed policy changes, in the policy store's own database (a <c>proposals</c> table beside the versions): WAL with
/// <c>synchronous=FULL</c>, so a proposal or a decision that was acknowledged survives a power cut. A decision is one
/// conditional update (<c>WHERE state = 'pending'</c>): two people deciding the same proposal at once cannot both
/// succeed. The rules of who may decide what live with the caller (the web UI's roles); this class keeps the record.
/// It shares the store's connection and lock, so it lives as long as the store.
/// </summary>
public sealed class PolicyProposals
{
    private const string Columns = "id, at, proposer, proposer_role, reason, base_version, summary, document, state, decided_by, decided_at, decision_reason, last_error, applied_version";

    private readonly PolicyStore _store;
    private readonly TimeProvider _time;

    private PolicyProposals(PolicyStore store, TimeProvider time) => (_store, _time) = (store, time);

    /// <exception cref="PolicyStoreException">The table cannot be created (a read-only or damaged file).</exception>
    public static PolicyProposals Open(PolicyStore store, TimeProvider? time = null)
    {
        var proposals = new PolicyProposals(store, time ?? TimeProvider.System);
        proposals.Write("""
            CREATE TABLE IF NOT EXISTS proposals (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                at              TEXT    NOT NULL,
                proposer        TEXT    NOT NULL,
                proposer_role   TEXT    NOT NULL,
                reason          TEXT    NOT NULL,
                base_version    INTEGER NOT NULL,
                summary         TEXT    NOT NULL,
                document        TEXT    NOT NULL,
                state           TEXT    NOT NULL,
                decided_by      TEXT,
                decided_at      TEXT,
                decision_reason TEXT,
                last_error      TEXT,
                applied_version INTEGER
            )
            """);
        return proposals;
    }

    /// <summary>Records a new pending proposal.</summary>
    /// <exception cref="PolicyStoreException">It could not be saved; nothing was stored.</exception>
    public PolicyProposal Add(string proposer, string proposerRole, string reason, long baseVersion, string summary, PolicyDocument document)
    {
        var at = _time.GetUtcNow();
        var json = JsonSerializer.Serialize(document, PolicyJsonContext.Default.PolicyDocument);
        var id = Write("""
            INSERT INTO proposals (at, proposer, proposer_role, reason, base_version, summary, document, state)
            VALUES ($at, $proposer, $role, $reason, $base, $summary, $document, 'pending') RETURNING id
            """, ("$at", Time(at)), ("$proposer", proposer), ("$role", proposerRole), ("$reason", reason), ("$base", baseVersion),
            ("$summary", summary), ("$document", json));
        return new PolicyProposal(id, at, proposer, proposerRole, reason, baseVersion, summary, document, ProposalState.Pending, null, null, null, null, null);
    }

    /// <summary>Decides a pending proposal; false (and nothing changed) when it is not pending any more.</summary>
    /// <exception cref="PolicyStoreException">The decision could not be saved.</exception>
    public bool Decide(long id, ProposalState state, string decidedBy, string? decisionReason, long? appliedVersion = null)
    {
        if (state == ProposalState.Pending)
        {
            throw new ArgumentOutOfRangeException(nameof(state), "a decision moves a proposal out of pending");
        }

        return Write("""
            UPDATE proposals SET state = $state, decided_by = $by, decided_at = $at, decision_reason = $why, applied_version = $version
            WHERE id = $id AND state = 'pending' RETURNING id
            """, ("$state", StateName(state)), ("$by", decidedBy), ("$at", Time(_time.GetUtcNow())), ("$why", decisionReason),
            ("$version", appliedVersion), ("$id", id)) == id;
    }

    /// <summary>Keeps why an approval could not be applied on the (still pending) proposal, for the page to show.</summary>
    public void RecordError(long id, string error)
        => Write("UPDATE proposals SET last_error = $error WHERE id = $id AND state = 'pending' RETURNING id", ("$error", error), ("$id", id));

    public PolicyProposal? Get(long id) => Read($"WHERE id = {id.ToString(CultureInfo.InvariantCulture)}").FirstOrDefault();

    /// <summary>Pending proposals (oldest first), then the most recently decided ones.</summary>
    public IReadOnlyList<PolicyProposal> List(int decidedLimit = 50)
        => [.. Read("WHERE state = 'pending' ORDER BY id"),
            .. Read($"WHERE state <> 'pending' ORDER BY decided_at DESC, id DESC LIMIT {decidedLimit.ToString(CultureInfo.InvariantCulture)}")];

    public static string StateName(ProposalState state) => state.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private long Write(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_store.Gate)
        {
            try
            {
                using var command = _store.Connection.CreateCommand();
                command.CommandText = sql;
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value ?? DBNull.Value);
                }

                return command.ExecuteScalar() is long id ? id : 0;
            }
            catch (SqliteException ex)
            {
                throw new PolicyStoreException($"policy store {_store.Path}: the proposal was not saved: {ex.Message}", ex);
            }
        }
    }

    private List<PolicyProposal> Read(string tail)
    {
        lock (_store.Gate)
        {
            using var command = _store.Connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM proposals {tail}";
            using var reader = command.ExecuteReader();
            var list = new List<PolicyProposal>();
            while (reader.Read())
            {
                var document = JsonSerializer.Deserialize(reader.GetString(7), PolicyJsonContext.Default.PolicyDocument)
                    ?? throw new PolicyStoreException($"policy store {_store.Path}: proposal {reader.GetInt64(0)} has no document");
                list.Add(new PolicyProposal(reader.GetInt64(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                    reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetString(6), document,
                    Enum.Parse<ProposalState>(reader.GetString(8), ignoreCase: true), Text(reader, 9),
                    reader.IsDBNull(10) ? null : DateTimeOffset.Parse(reader.GetString(10), CultureInfo.InvariantCulture),
                    Text(reader, 11), Text(reader, 12), reader.IsDBNull(13) ? null : reader.GetInt64(13)));
            }

            return list;
        }
    }

    private static string? Text(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
