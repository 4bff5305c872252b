using Microsoft.Data.Sqlite;

namespace Appliance.Journal;

/// <summary>Opens one of the journal's SQLite files (query log, audit log, alerts) and applies its pragmas and schema.</summary>
internal static class JournalDatabase
{
    /// <exception cref="JournalException">The file cannot be opened, or is not such a database; the message names it as <paramref name="what"/>.</exception>
    public static SqliteConnection Open(string path, string what, string schema)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = schema;
            command.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new JournalException($"{what} {path}: {ex.Message}", ex);
        }
    }
}
