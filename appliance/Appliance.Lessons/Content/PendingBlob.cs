namespace Appliance.Lessons.Content;

/// <summary>
/// A body received into a temporary file and hashed, not yet part of the store: <see cref="ContentStore.Commit"/>
/// moves it in (atomically), disposing without committing deletes it.
/// </summary>
public sealed class PendingBlob : IDisposable
{
    internal PendingBlob(string tempPath, string hash, long length, byte[] head)
    {
        TempPath = tempPath;
        Hash = hash;
        Length = length;
        Head = head;
    }

    internal string TempPath { get; }

    /// <summary>SHA-256 of the body, lower-case hex: the blob's name.</summary>
    public string Hash { get; }

    public long Length { get; }

    /// <summary>The first bytes (up to 512), for sniffing a body sent without Content-Type.</summary>
    public ReadOnlyMemory<byte> Head { get; }

    internal bool Committed { get; set; }

    public void Dispose()
    {
        if (!Committed)
        {
            File.Delete(TempPath);
        }
    }
}
