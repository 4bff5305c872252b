using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Appliance.Dns.Resolution;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Transport;

/// <summary>
/// A UDP listener for 64-bit Linux that moves up to 64 datagrams per system call: a dedicated thread blocks in
/// <c>recvmmsg(MSG_WAITFORONE)</c>, answers every query of the batch into its own send slot, and returns all
/// answers with one <c>sendmmsg</c>. Under load this divides the system-call cost (the dominant cost of a cached
/// answer) by the batch size; at low load a batch is simply one datagram. All buffers, headers and address
/// slots live in one native block allocated at start, so the loop allocates nothing.
/// </summary>
public sealed unsafe partial class BatchedUdpListener : IReplySink, IUdpListener
{
    private const int Batch = 64;
    private const int ReceiveSlot = 4_096;     // larger datagrams arrive with MSG_TRUNC and are dropped
    private const int SendSlot = 4_096;        // UDP answers never exceed 1232 bytes (ParsedQuery.UdpLimit)
    private const int AddressSlot = 128;       // sizeof(struct sockaddr_storage)
    private const int MsgWaitForOne = 0x10000;
    private const int MsgTrunc = 0x20;
    private const int EAgain = 11;
    private const int EIntr = 4;

    private readonly Socket _socket;
    private readonly QueryProcessor _processor;
    private readonly ILogger _logger;
    private readonly byte* _arena;
    private readonly MMsgHdr* _receive;
    private readonly MMsgHdr* _send;
    private readonly IoVec* _receiveIov;
    private readonly IoVec* _sendIov;
    private readonly byte* _addresses;
    private readonly byte* _receiveBuffers;
    private readonly byte* _sendBuffers;
    private volatile bool _stopping;
    private Thread? _thread;

    private readonly DnsCounters? _counters;

    public BatchedUdpListener(IPEndPoint endPoint, QueryProcessor processor, ILogger logger, DnsCounters? counters = null)
    {
        _counters = counters;
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("recvmmsg/sendmmsg batching needs 64-bit Linux with glibc.");
        }

        _processor = processor;
        _logger = logger;
        _socket = UdpSockets.Bind(endPoint);
        // SO_RCVTIMEO (struct timeval: 0 s, 250 000 µs): the blocked loop wakes to notice a stop request.
        Span<byte> timeval = stackalloc byte[16];
        BitConverter.TryWriteBytes(timeval[8..], 250_000L);
        _socket.SetRawSocketOption(1 /* SOL_SOCKET */, 20 /* SO_RCVTIMEO */, timeval);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;

        var headerBytes = Batch * sizeof(MMsgHdr);
        var iovBytes = Batch * sizeof(IoVec);
        var total = (2 * headerBytes) + (2 * iovBytes) + (Batch * (AddressSlot + ReceiveSlot + SendSlot));
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)total, 64);
        NativeMemory.Clear(_arena, (nuint)total);
        var at = _arena;
        _receive = (MMsgHdr*)at;
        at += headerBytes;
        _send = (MMsgHdr*)at;
        at += headerBytes;
        _receiveIov = (IoVec*)at;
        at += iovBytes;
        _sendIov = (IoVec*)at;
        at += iovBytes;
        _addresses = at;
        at += Batch * AddressSlot;
        _receiveBuffers = at;
        at += Batch * ReceiveSlot;
        _sendBuffers = at;

        for (var i = 0; i < Batch; i++)
        {
            _receiveIov[i] = new IoVec { Base = _receiveBuffers + (i * ReceiveSlot), Length = ReceiveSlot };
            _receive[i].Header.Iov = &_receiveIov[i];
            _receive[i].Header.IovLength = 1;
            _receive[i].Header.Name = _addresses + (i * AddressSlot);
            _sendIov[i].Base = _sendBuffers + (i * SendSlot);
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
        }
    }

    /// <summary>64-bit Linux with glibc: the struct layouts below are LP64's.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess && NativeLibrary.TryLoad("libc.so.6", out _);

    public IPEndPoint LocalEndPoint { get; }

    public bool IsStream => false;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"dns-udp {LocalEndPoint}" };
        _thread.Start();
    }

    /// <summary>Answers for forwarded queries, from the upstream threads: one plain send each.</summary>
    public void SendReply(ReadOnlySpan<byte> response, SocketAddress address)
    {
        try
        {
            _socket.SendTo(response, SocketFlags.None, address);
        }
        catch (SocketException ex)
        {
            Log.SendFailed(_logger, LocalEndPoint, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the answer has nowhere to go.
        }
    }

    private void Run()
    {
        var fd = (int)_socket.Handle;
        while (!_stopping)
        {
            for (var i = 0; i < Batch; i++)
            {
                _receive[i].Header.NameLength = AddressSlot;
                _receive[i].Header.Flags = 0;
                _receive[i].Length = 0;
            }

            var received = RecvMMsg(fd, _receive, Batch, MsgWaitForOne, null);
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is EAgain or EIntr || _stopping)
                {
                    continue;
                }

                Log.ReceiveFailed(_logger, LocalEndPoint, errno);
                Thread.Sleep(10);   // never spin on a persistent error
                continue;
            }

            if (_counters is { } counters)
            {
                // One writer (this thread): plain adds are enough; readers see a recent value.
                counters.UdpBatches++;
                counters.UdpBatchedDatagrams += received;
            }

            var answers = 0;
            for (var i = 0; i < received; i++)
            {
                ref var message = ref _receive[i];
                if ((message.Header.Flags & MsgTrunc) != 0)
                {
                    continue;   // larger than any query we accept: drop, as for any malformed datagram
                }

                var address = new ReadOnlySpan<byte>(message.Header.Name, (int)message.Header.NameLength);
                var query = new ReadOnlySpan<byte>(_receiveIov[i].Base, (int)message.Length);
                var answer = new Span<byte>(_sendIov[answers].Base, SendSlot);
                int length;
                try
                {
                    length = _processor.Process(query, answer, address, this);
                }
                catch (Exception ex)
                {
                    // Loop boundary (STYLE.md): record it and carry on with the next datagram; never die here.
                    Log.ProcessFailed(_logger, LocalEndPoint, ex);
                    continue;
                }
                if (length > 0)
                {
                    _send[answers].Header.Name = message.Header.Name;
                    _send[answers].Header.NameLength = message.Header.NameLength;
                    _sendIov[answers].Length = (nuint)length;
                    answers++;
                }
            }

            SendAll(fd, answers);
        }
    }

    private void SendAll(int fd, int count)
    {
        var offset = 0;
        while (offset < count)
        {
            var sent = SendMMsg(fd, _send + offset, (uint)(count - offset), 0);
            if (sent <= 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                {
                    continue;
                }

                // The first message of the rest failed (for example an unroutable client): skip it, send the others.
                Log.BatchSendFailed(_logger, LocalEndPoint, errno);
                offset++;
                continue;
            }

            offset += sent;
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;   // the arena must be freed exactly once
        }

        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();

        // The loop wakes at least every 250 ms (SO_RCVTIMEO), so it has left the arena by now; if it somehow has
        // not, leaking the block is better than freeing memory a thread may still write to.
        if (_thread is null || !_thread.IsAlive)
        {
            NativeMemory.AlignedFree(_arena);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc.so.6", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary><c>struct iovec</c> (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (LP64: 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c> (LP64: 64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "UDP send on {Listener} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, IPEndPoint listener, SocketError error);

        [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "recvmmsg on {Listener} failed with errno {Errno}")]
        public static partial void ReceiveFailed(ILogger logger, IPEndPoint listener, int errno);

        [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "sendmmsg on {Listener} failed with errno {Errno}; skipping one answer")]
        public static partial void BatchSendFailed(ILogger logger, IPEndPoint listener, int errno);

        [LoggerMessage(EventId = 115, Level = LogLevel.Error, Message = "Processing a query on {Listener} failed; the query was dropped")]
        public static partial void ProcessFailed(ILogger logger, IPEndPoint listener, Exception exception);
    }
}
