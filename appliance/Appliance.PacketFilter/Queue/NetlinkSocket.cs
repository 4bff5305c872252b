using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Appliance.PacketFilter.Queue;

/// <summary>
/// A raw <c>AF_NETLINK</c>/<c>NETLINK_NETFILTER</c> socket (netlink(7)), which .NET's <see cref="Socket"/> cannot
/// create itself ("Address family not supported", dotnet/corefx#34015): we create and bind the descriptor through
/// libc and wrap it with <see cref="Socket(SafeSocketHandle)"/> (dotnet/runtime#862), which owns the descriptor's
/// lifetime and gives allocation-free sends; the verdict loop receives with recvmmsg on the descriptor itself.
/// A netlink socket belongs to the network namespace of the thread that created it.
/// </summary>
internal static unsafe partial class NetlinkSocket
{
    private const int NetlinkNetfilter = 12;   // NETLINK_NETFILTER, linux/netlink.h
    private const int SolNetlink = 270;        // SOL_NETLINK
    private const int NetlinkNoEnobufs = 5;    // NETLINK_NO_ENOBUFS

    /// <summary>sockaddr_nl (linux/netlink.h): pid 0 lets the kernel assign our port id.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    /// <summary>Opens and binds a netfilter netlink socket; receive buffer forced to <paramref name="receiveBuffer"/> bytes.</summary>
    /// <exception cref="PacketFilterException">The kernel refused (no CAP_NET_ADMIN, no nfnetlink).</exception>
    public static Socket Open(int receiveBuffer)
    {
        var fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NetlinkNetfilter);
        if (fd < 0)
        {
            throw new PacketFilterException($"cannot open a netfilter netlink socket: {Errno()} (the service needs CAP_NET_ADMIN)");
        }

        try
        {
            var address = new SockaddrNl { Family = (ushort)AF_NETLINK };
            if (bind(fd, (sockaddr*)&address, (uint)sizeof(SockaddrNl)) != 0)
            {
                throw new PacketFilterException($"cannot bind the netfilter netlink socket: {Errno()}");
            }

            // The kernel drops queued packets it cannot deliver when our buffer is full; with NO_ENOBUFS the socket
            // is not also put into an error state we would have to clear (libnetfilter_queue's examples do the same).
            var one = 1;
            _ = setsockopt(fd, SolNetlink, NetlinkNoEnobufs, &one, sizeof(int));
            var size = receiveBuffer;
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
            {
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));   // without CAP_NET_ADMIN: capped by rmem_max
            }
        }
        catch
        {
            _ = close(fd);
            throw;
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    /// <summary>
    /// recvmmsg(2): several datagrams in one system call without blocking. Tmds.LibC 0.5.0 lacks it (added upstream in
    /// PR #64 after that release), so it is declared here.
    /// </summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MmsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>struct timeval on 64-bit Linux (x64, arm64: the platforms we build for), for SO_RCVTIMEO.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    /// <summary>struct mmsghdr (sys/socket.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MmsgHdr
    {
        public msghdr Header;
        public uint Length;
    }

    /// <summary>strerror of the errno a Tmds.LibC call just left (read at once, before anything else runs).</summary>
    public static string Errno() => Describe(errno);

    public static string Describe(int error) => $"{new System.ComponentModel.Win32Exception(error).Message} (errno {error})";
}
