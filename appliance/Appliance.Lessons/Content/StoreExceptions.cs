namespace Appliance.Lessons.Content;

/// <summary>A new body would take the store over its quota; nothing stored was touched.</summary>
public sealed class StorageQuotaFullException(long usedBytes, long quotaBytes)
    : Exception($"storage quota full ({usedBytes}/{quotaBytes} bytes)")
{
    public long UsedBytes { get; } = usedBytes;

    public long QuotaBytes { get; } = quotaBytes;
}

/// <summary>A body went over its size limit while streaming; it was not stored.</summary>
public sealed class BodyTooLargeException(long limitBytes) : Exception($"too large (> {limitBytes} bytes)")
{
    public long LimitBytes { get; } = limitBytes;
}

/// <summary>The box could not write a copy (a full disk, a read-only file system); nothing stored was touched.</summary>
public sealed class StorageWriteException(Exception inner)
    : IOException($"the box could not write its copy ({inner.Message})", inner);
