using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Appliance.Lessons.Content;

/// <summary>
/// The lessons' copies on disk: bodies as content-addressed blobs (<c>blobs/ab/abcdef…</c>, named by the SHA-256 of
/// the body, so an identical body is stored once however many lessons or URLs use it), and an SQLite index
/// (<c>content.db</c>, WAL) of which lesson's URL is which blob, with its caching data, plus each lesson's last
/// report. A body is written to a temporary file on the same file system, forced to disk, then renamed into place:
/// a crash, a full disk or a full quota leaves the store as it was. Thread-safe (one lock around the index).
/// </summary>
public sealed partial class ContentStore : IDisposable
{
    private const int HeadBytes = 512;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteReadOnly = 8;
    private readonly string _blobsRoot;
    private readonly long _quota;
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly Func<string, Stream> _createTemp;

    /// <exception cref="IOException">The folder cannot be created.</exception>
    /// <exception cref="SqliteException">The index cannot be opened.</exception>
    public ContentStore(ContentStoreOptions options)
        : this(options, CreateTempFile)
    {
    }

    /// <summary>For tests: <paramref name="createTemp"/> opens the temporary file (a stream that fails like a full disk).</summary>
    internal ContentStore(ContentStoreOptions options, Func<string, Stream> createTemp)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.QuotaBytes);
        _quota = options.QuotaBytes;
        _createTemp = createTemp;
        _blobsRoot = Path.Combine(options.Root, "blobs");
        Directory.CreateDirectory(_blobsRoot);
        // Bodies a crash (or power cut) left half received: never committed, so nothing refers to them.
        foreach (var leftover in Directory.EnumerateFiles(_blobsRoot, ".incoming-*"))
        {
            File.Delete(leftover);
        }

        _db = OpenIndex(Path.Combine(options.Root, "content.db"));
    }

    public long QuotaBytes => _quota;

    /// <summary>Bytes all blobs take (each counted once).</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return Scalar("SELECT COALESCE(SUM(bytes), 0) FROM blobs");
            }
        }
    }

    /// <summary>
    /// Streams <paramref name="body"/> into a temporary file, hashing it, and stops as soon as it passes
    /// <paramref name="maxBytes"/> (a Content-Length header can lie; only the bytes count).
    /// </summary>
    /// <exception cref="BodyTooLargeException">The body is longer than <paramref name="maxBytes"/>; the temporary file is gone.</exception>
    /// <exception cref="StorageWriteException">The disk is full or not writable; the temporary file is gone.</exception>
    /// <exception cref="IOException">Reading <paramref name="body"/> failed (the network); the temporary file is gone.</exception>
    public async Task<PendingBlob> ReceiveAsync(Stream body, long maxBytes, CancellationToken cancel)
    {
        var temp = Path.Combine(_blobsRoot, $".incoming-{Guid.NewGuid():N}");
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new byte[HeadBytes];
            var headLength = 0;
            long total = 0;
            await using (var file = Writing(() => _createTemp(temp)))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancel)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw new BodyTooLargeException(maxBytes);
                    }

                    var toHead = Math.Min(read, HeadBytes - headLength);
                    buffer.AsSpan(0, toHead).CopyTo(head.AsSpan(headLength));
                    headLength += toHead;
                    hash.AppendData(buffer, 0, read);
                    await WritingAsync(() => file.WriteAsync(buffer.AsMemory(0, read), cancel));
                }

                await WritingAsync(() => new ValueTask(file.FlushAsync(cancel)));
                if (file is FileStream fileStream)
                {
                    Writing(() => fileStream.Flush(flushToDisk: true));
                }
            }

            return new PendingBlob(temp, Convert.ToHexStringLower(hash.GetHashAndReset()), total, head[..headLength]);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Moves a received body into the store under its hash (a body already stored is not stored again) and returns
    /// the hash. The quota is checked first: over it, the body is dropped and nothing else changes.
    /// </summary>
    /// <exception cref="StorageQuotaFullException">The body would take the store over its quota.</exception>
    /// <exception cref="StorageWriteException">The rename failed (the temporary file is removed).</exception>
    public string Commit(PendingBlob pending)
    {
        lock (_gate)
        {
            var path = BlobPath(pending.Hash);
            var known = Scalar("SELECT COUNT(*) FROM blobs WHERE hash = $h", ("$h", pending.Hash)) > 0;
            if (known && File.Exists(path))
            {
                pending.Dispose();
                pending.Committed = true;
                return pending.Hash;
            }

            var used = Scalar("SELECT COALESCE(SUM(bytes), 0) FROM blobs");
            var adds = known ? 0 : pending.Length;
            if (used + adds > _quota)
            {
                pending.Dispose();
                throw new StorageQuotaFullException(used, _quota);
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                // rename(2) within one file system is atomic: readers see no file or the whole body.
                Writing(() => File.Move(pending.TempPath, path, overwrite: true));
            }
            catch
            {
                pending.Dispose();
                throw;
            }

            pending.Committed = true;
            Indexing(() => Execute("INSERT OR IGNORE INTO blobs(hash, bytes) VALUES ($h, $b)", ("$h", pending.Hash), ("$b", pending.Length)));
            return pending.Hash;
        }
    }

    /// <summary>
    /// Commits a received body and records the row that uses it in one step under the store's lock, so an
    /// eviction running at the same time can never see the new blob as unused and remove it.
    /// </summary>
    /// <exception cref="StorageQuotaFullException">The body would take the store over its quota; no row is written.</exception>
    /// <exception cref="StorageWriteException">The rename failed; no row is written.</exception>
    public StoredResource CommitAs(PendingBlob pending, Func<string, StoredResource> row)
    {
        lock (_gate)
        {
            var stored = row(Commit(pending));
            Upsert(stored);
            return stored;
        }
    }

    /// <summary>An index write that failed for want of room or a disk error is the same problem as a blob that could not be written.</summary>
    private static void Indexing(Action write)
    {
        try
        {
            write();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteFull or SqliteIoError or SqliteReadOnly)
        {
            throw new StorageWriteException(ex);
        }
    }

    /// <summary>
    /// Opens a blob after checking its SHA-256 still matches its name. A damaged blob (bit rot, an edit by hand) is
    /// treated as missing: it is removed so the next pre-fetch stores a good copy, and the problem says so.
    /// </summary>
    public BlobRead OpenVerified(string hash)
    {
        var path = BlobPath(hash);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BlobRead(null, 0, "the stored copy is missing");
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual != hash)
        {
            stream.Dispose();
            lock (_gate)
            {
                File.Delete(path);
                Execute("DELETE FROM blobs WHERE hash = $h", ("$h", hash));
            }

            return new BlobRead(null, 0, "the stored copy was damaged on disk and has been removed");
        }

        stream.Position = 0;
        return new BlobRead(stream, stream.Length, null);
    }

    /// <summary>Whether the blob is on disk with its hash intact (a copy that is not is fetched again).</summary>
    public bool IsIntact(string hash)
    {
        using var read = OpenVerified(hash).Content;
        return read is not null;
    }

    /// <summary>Where a blob lives: <c>blobs/ab/abcdef…</c>.</summary>
    public string BlobPath(string hash)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("A blob name is 64 lower-case hex digits.", nameof(hash));
        }

        return Path.Combine(_blobsRoot, hash[..2], hash);
    }

    public void Dispose() => _db.Dispose();

    // Writes are told apart from the body's reads (also IOException, from the network) so the report can say which side failed.
    private static T Writing<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageWriteException(ex);
        }
    }

    private static void Writing(Action write) => Writing(() =>
    {
        write();
        return 0;
    });

    // A lambda, so an exception thrown before the first await (a stream that fails at once) is caught too.
    private static async Task WritingAsync(Func<ValueTask> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageWriteException(ex);
        }
    }

    private static FileStream CreateTempFile(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Options = FileOptions.Asynchronous,
    });
}
