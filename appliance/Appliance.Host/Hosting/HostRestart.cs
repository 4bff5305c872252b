namespace Appliance.Host.Hosting;

/// <summary>
/// A request to stop every service and start them again with freshly read settings, inside the same process (so it
/// works the same under systemd, in the local default and in tests). Used when the LA's configuration changed:
/// most settings (listen sockets, upstreams, retention) are taken at start, and a restart of a second or two is
/// simpler to trust than reloading each service in place.
/// </summary>
public sealed class HostRestart : IDisposable
{
    private readonly CancellationTokenSource _requested = new();

    /// <summary>Cancelled when a restart is requested.</summary>
    public CancellationToken Token => _requested.Token;

    public string? Reason { get; private set; }

    public bool Requested => _requested.IsCancellationRequested;

    public void Request(string reason)
    {
        Reason ??= reason;
        _requested.Cancel();
    }

    public void Dispose() => _requested.Dispose();
}
