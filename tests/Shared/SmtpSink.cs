using System.Buffers;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Appliance.TestSupport;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port that keeps every message it accepts, optionally
/// requiring a user name and password: the sink alert e-mail tests send to.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Store _store = new();
    private readonly Task _run;

    public SmtpSink(string? user = null, string? password = null, int? port = null)
    {
        Port = port ?? FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp-sink.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).AuthenticationRequired(user is not null).AllowUnsecureAuthentication(true))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        if (user is not null)
        {
            services.Add(new Authenticator(user, password ?? ""));
        }

        _server = new SmtpServer.SmtpServer(options, services);
        _run = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>The raw messages accepted (RFC 5322 text), in order.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_store.Messages)
            {
                return [.. _store.Messages];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private sealed class Store : MessageStore
    {
        public List<string> Messages { get; } = [];

        public override Task<SmtpResponse> SaveAsync(SmtpServer.ISessionContext context, SmtpServer.IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            lock (Messages)
            {
                Messages.Add(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }

            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    private sealed class Authenticator(string user, string password) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(SmtpServer.ISessionContext context, string name, string secret, CancellationToken cancellationToken)
            => Task.FromResult(name == user && secret == password);
    }
}
