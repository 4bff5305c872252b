using System.Security.Cryptography;
using System.Text;

namespace Appliance.Journal.Audit;

/// <summary>One audit record. <see cref="Hash"/> = SHA-256 over the record's fields and <see cref="PreviousHash"/>.</summary>
public sealed record AuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Subject, string Detail, byte[] PreviousHash, byte[] Hash)
{
    public const int HashLength = 32;

    /// <summary>
    /// The chain's hash: a version tag, the sequence number, the time, each text field length-prefixed (so that
    /// moving a character from one field to the next changes the hash), then the previous entry's hash.
    /// </summary>
    public static byte[] ComputeHash(long seq, long atMs, string actor, string action, string subject, string detail, ReadOnlySpan<byte> previous)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        sha.AppendData("audit-v1"u8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(number, seq);
        sha.AppendData(number);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(number, atMs);
        sha.AppendData(number);
        foreach (var field in new[] { actor, action, subject, detail })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(number, bytes.Length);
            sha.AppendData(number);
            sha.AppendData(bytes);
        }

        sha.AppendData(previous);
        return sha.GetHashAndReset();
    }

    public string HashHex => Convert.ToHexStringLower(Hash);
}

/// <summary>The outcome of walking the chain: intact, or where and how it breaks.</summary>
public sealed record AuditVerification(bool Intact, long Entries, long FirstSeq, long LastSeq, string Head, string? Problem);
