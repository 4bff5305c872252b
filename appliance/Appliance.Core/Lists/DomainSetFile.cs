using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace Appliance.Core.Lists;

/// <summary>
/// The compiled list file: the <see cref="DomainSet"/> arrays as they lie in memory, behind a 96-byte header, so
/// loading is a memory map and a check, not a parse. Written to a temporary file and renamed over the target, so
/// a crash or a full disk never leaves a half-written list where the last good one was.
/// <code>
///  0  magic "APDSET" 0x00 0x01        40  SHA-256 of everything after the header (32 bytes)
///  8  u32 format version (1)          72  reserved (24 bytes, zero)
/// 12  u32 bucket bits                 96  hashes     u64 × count
/// 16  u64 entry count                     mask ids   u16 × count, padded to 8
/// 24  u32 mask count, u32 reserved        index      u32 × (2^bits + 1), padded to 8
/// 32  i64 created (Unix seconds)          masks      u64 × mask count
/// </code>
/// All numbers little-endian, as the hardware reads them (x64 and arm64 both are).
/// </summary>
public static class DomainSetFile
{
    public const int HeaderSize = 96;
    private const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "APDSET\0\u0001"u8;

    /// <summary>Whether <paramref name="path"/> is a file that starts like a compiled list (text lists and folders are not).</summary>
    public static bool IsCompiled(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> magic = stackalloc byte[6];
        using var stream = File.OpenRead(path);
        return stream.Read(magic) == 6 && magic.SequenceEqual(Magic[..6]);
    }

    public static void Write(DomainSet set, string path, DateTimeOffset? created = null)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("compiled lists are little-endian");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                stream.Write(new byte[HeaderSize]);
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                var used = 0;
                void Put(ReadOnlySpan<byte> bytes)
                {
                    if (used + bytes.Length > buffer.Length)
                    {
                        stream.Write(buffer, 0, used);
                        sha.AppendData(buffer, 0, used);
                        used = 0;
                    }

                    bytes.CopyTo(buffer.AsSpan(used));
                    used += bytes.Length;
                }

                Span<byte> eight = stackalloc byte[8];
                for (var i = 0; i < set.Count; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(eight, set.ReadHash(i));
                    Put(eight);
                }

                for (var i = 0; i < set.Count; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(eight, set.ReadMaskId(i));
                    Put(eight[..2]);
                }

                Put(new byte[Pad(set.Count * 2L)]);
                var buckets = (1L << set.BucketBits) + 1;
                for (var b = 0L; b < buckets; b++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(eight, set.ReadIndex(b));
                    Put(eight[..4]);
                }

                Put(new byte[Pad(buckets * 4)]);
                for (var m = 0; m < set.MaskCount; m++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(eight, set.ReadMask(m));
                    Put(eight);
                }

                stream.Write(buffer, 0, used);
                sha.AppendData(buffer, 0, used);

                var header = new byte[HeaderSize];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Version);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), set.BucketBits);
                BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), set.Count);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), set.MaskCount);
                BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), (created ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds());
                sha.GetHashAndReset().CopyTo(header.AsSpan(40));
                stream.Position = 0;
                stream.Write(header);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Maps a compiled list. A file that is not one, is cut short or fails its checksum is refused.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid compiled list; the message says why.</exception>
    public static unsafe DomainSet Load(string path)
    {
        var length = new FileInfo(path).Length;
        if (length < HeaderSize)
        {
            throw new InvalidDataException($"{path}: not a compiled domain list ({length} bytes, shorter than the header)");
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        var owner = new Mapping(map, view);
        try
        {
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            owner.Acquired = true;
            start += view.PointerOffset;
            var file = new ReadOnlySpan<byte>(start, checked((int)length));
            if (!file[..8].SequenceEqual(Magic))
            {
                throw new InvalidDataException($"{path}: not a compiled domain list (wrong magic bytes)");
            }

            var version = BinaryPrimitives.ReadInt32LittleEndian(file[8..]);
            var bits = BinaryPrimitives.ReadInt32LittleEndian(file[12..]);
            var count = BinaryPrimitives.ReadInt64LittleEndian(file[16..]);
            var maskCount = BinaryPrimitives.ReadInt32LittleEndian(file[24..]);
            if (version != Version)
            {
                throw new InvalidDataException($"{path}: format version {version}; this build reads version {Version}");
            }

            if (bits is < 1 or > 30 || count is < 0 or > int.MaxValue / 16 || maskCount is < 0 or > DomainSet.ExactFlag)
            {
                throw new InvalidDataException($"{path}: corrupt header (bucket bits {bits}, entries {count}, masks {maskCount})");
            }

            var buckets = (1L << bits) + 1;
            long hashesAt = HeaderSize;
            var idsAt = hashesAt + (count * 8);
            var indexAt = idsAt + (count * 2) + Pad(count * 2);
            var masksAt = indexAt + (buckets * 4) + Pad(buckets * 4);
            var end = masksAt + (maskCount * 8L);
            if (end != length)
            {
                throw new InvalidDataException($"{path}: is {length} bytes but its header describes {end}: cut short or corrupt");
            }

            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(file[HeaderSize..], digest);
            if (!digest.SequenceEqual(file.Slice(40, 32)))
            {
                throw new InvalidDataException($"{path}: checksum mismatch: the file is corrupt");
            }

            var index = (uint*)(start + indexAt);
            if (index[buckets - 1] != count)
            {
                throw new InvalidDataException($"{path}: corrupt bucket index");
            }

            return new DomainSet((ulong*)(start + hashesAt), (ushort*)(start + idsAt), index, (ulong*)(start + masksAt),
                (int)count, bits, maskCount, owner, pinned: null);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    private static long Pad(long bytes) => (8 - (bytes % 8)) % 8;

    /// <summary>Keeps the mapping alive as long as the set, and releases it once.</summary>
    private sealed class Mapping : IDisposable
    {
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private int _disposed;

        public Mapping(MemoryMappedFile map, MemoryMappedViewAccessor view)
        {
            _map = map;
            _view = view;
        }

        public bool Acquired { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            if (Acquired)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            _view.Dispose();
            _map.Dispose();
        }
    }
}
