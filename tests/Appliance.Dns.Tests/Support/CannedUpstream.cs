using System.Net;
using System.Net.Sockets;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Support;

/// <summary>
/// A minimal in-process authoritative upstream for unit tests: answers every A query with 192.0.2.1, TTL 3600.
/// (The integration tests use a real NSD; this one keeps the allocation test self-contained.)
/// </summary>
public sealed class CannedUpstream : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread _thread;
    private volatile bool _stop;

    private readonly uint _ttl;
    private readonly Func<byte[], byte[][]>? _script;

    /// <param name="ttl">TTL of the A record in every answer.</param>
    /// <param name="script">Optional: the datagrams to send back for a query (to play a spoofer); default one answer.</param>
    public CannedUpstream(uint ttl = 3600, Func<byte[], byte[][]>? script = null)
    {
        _ttl = ttl;
        _script = script;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 200;
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    private int _answered;

    public int Answered => Volatile.Read(ref _answered);

    private readonly List<byte[]> _queries = [];
    private readonly HashSet<int> _ports = [];

    /// <summary>The source ports queries came from.</summary>
    public int DistinctSourcePorts
    {
        get
        {
            lock (_queries)
            {
                return _ports.Count;
            }
        }
    }

    /// <summary>Every query received, as sent by the resolver.</summary>
    public IReadOnlyList<byte[]> Queries
    {
        get
        {
            lock (_queries)
            {
                return _queries.ToArray();
            }
        }
    }

    private void Run()
    {
        var buffer = new byte[2048];
        EndPoint remote = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop)
        {
            int n;
            try
            {
                n = _socket.ReceiveFrom(buffer, ref remote);
            }
            catch (SocketException)
            {
                continue;
            }

            var query = buffer[..n];
            lock (_queries)
            {
                _queries.Add(query);
                _ports.Add(((IPEndPoint)remote).Port);
            }

            var answers = _script?.Invoke(query) ?? [Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, _ttl, Messages.A(192, 0, 2, 1))])];
            foreach (var answer in answers)
            {
                _socket.SendTo(answer, remote);
            }

            Interlocked.Increment(ref _answered);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _socket.Dispose();
    }
}
