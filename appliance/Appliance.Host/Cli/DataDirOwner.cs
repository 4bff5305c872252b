using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Appliance.Host.Configuration;

namespace Appliance.Host.Cli;

/// <summary>
/// Root must not write into a data directory that belongs to the service's user: every database or key a command
/// made there as root (0600 root:root) would lock the service out of it. Installed boxes run the service as
/// <c>appliance</c> (image-build/package); a technician's <c>sudo appliance users add …</c> is then refused with the
/// command to use instead, before anything is opened.
/// </summary>
internal static partial class DataDirOwner
{
    /// <exception cref="ConfigException">Running as root on a directory owned by another user.</exception>
    public static void RequireSameUser(string dataDir)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || OwnerOf(dataDir) is not { } owner || owner == 0)
        {
            return;
        }

        var name = UserName(owner) ?? owner.ToString(System.Globalization.CultureInfo.InvariantCulture);
        throw new ConfigException($"the data directory {dataDir} belongs to user {name} (the service's), and files this command made there as root "
            + $"would lock the service out of them; run it as that user: runuser -u {name} -- appliance …");
    }

    /// <summary>The owner's uid (statx(2), whose layout is the same on every architecture), or null if unreadable.</summary>
    private static uint? OwnerOf(string path)
    {
        var buffer = new byte[256];
        return Statx(AtFdCwd, path, 0, StatxUid, buffer) == 0 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(StxUidOffset)) : null;
    }

    private static string? UserName(uint uid)
    {
        try
        {
            var text = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 2 && f[2] == text)?[0];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x8;
    private const int StxUidOffset = 20;   // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);
}
