using Appliance.Core.Events;
using Appliance.Host.Configuration;
using Appliance.Radius.Accounting;
using Appliance.Radius.Certificates;
using Appliance.Radius.Clients;
using Appliance.Radius.Dynamic;
using Appliance.Radius.Eap;
using Appliance.Radius.Server;
using Appliance.Radius.Tls;
using Appliance.Radius.Users;

namespace Appliance.Host.Hosting;

/// <summary>
/// Runs the RADIUS server when the radius section enables it (issue 7): the user store, the certificate (generated on
/// first run), the EAP tunnel, the UDP server, and the sweeper that ends expired guests' sessions. Accounting feeds
/// <see cref="Identities"/>, which the resolver and the packet filter read, so every logged query names its user.
/// </summary>
public sealed partial class RadiusService : IHostedService, IAsyncDisposable
{
    private readonly ApplianceSettings _settings;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<RadiusService> _logger;
    private readonly Lazy<UserStore?> _users;
    private RadiusCertificates? _certificates;
    private EapTlsContext? _tls;
    private RadiusServer? _server;
    private ExpiredGuestSweeper? _sweeper;

    public RadiusService(ApplianceSettings settings, Appliance.Journal.Audit.AuditLog audit, TimeProvider time, ILoggerFactory loggers, ILogger<RadiusService> logger)
    {
        _settings = settings;
        _audit = audit;
        _time = time;
        _loggers = loggers;
        _logger = logger;
        _users = new(() => settings.Radius.Enabled ? UserStore.Open(settings.DataDir, audit, time: time) : null);
        Identities = new AccountingIdentityMap(name => _users.Value?.GroupOf(name), time);
    }

    /// <summary>IP → user from accounting; empty while RADIUS is off.</summary>
    public AccountingIdentityMap Identities { get; }

    public RadiusServer? Server => _server;

    public EapServer? Eap { get; private set; }

    public CertificateTrustInfo? Certificate => _certificates?.TrustInfo;

    /// <summary>The certificate and its CA, for the web UI's downloads; null while RADIUS is off or not started.</summary>
    public RadiusCertificates? Certificates => _certificates;

    /// <summary>The store logins are checked against, for the web UI's pages (the same instance: one connection, one lock); null while RADIUS is off.</summary>
    public UserStore? Users => _settings.Radius.Enabled ? _users.Value : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var radius = _settings.Radius;
        if (!radius.Enabled)
        {
            return Task.CompletedTask;
        }

        try
        {
            var users = _users.Value!;
            _certificates = RadiusCertificateStore.LoadOrCreate(_settings.DataDir, radius.Certificate, _time);
            foreach (var problem in _certificates.TrustInfo.Problems)
            {
                Log.CertificateProblem(_logger, problem.Message);
            }

            _tls = EapTlsContext.Load(ChainFile(radius), radius.Certificate.KeyPath ?? Path.Combine(_settings.DataDir, RadiusCertificateStore.DirectoryName, RadiusCertificateStore.ServerKeyFile));
            Eap = new EapServer(_tls, users, _time, serverName: radius.ServerName);
            var services = new RadiusServices
            {
                Clients = RadiusClients.Build(radius.Clients),
                Users = users,
                Eap = Eap,
                Policy = new AccessPolicy { VlanByGroup = radius.Vlans, SessionTimeout = radius.SessionTimeout },
                Classes = new ClassToken(ClassKey(_settings.DataDir)),
                Logins = new RecentLogins(_time),
                Identities = Identities,
                Time = _time,
                Logger = _loggers.CreateLogger("Appliance.Radius"),
            };
            _server = RadiusServer.Start(radius.AuthEndPoint, radius.AccountingEndPoint, services);
            _sweeper = new ExpiredGuestSweeper(Identities, name => IsNoLongerAllowed(users, name), new DisconnectClient(new DisconnectClientOptions(), _time,
                _loggers.CreateLogger("Appliance.Radius.Disconnect")), _time, _loggers.CreateLogger("Appliance.Radius.Sweeper"));
            _sweeper.Start();
            Log.Listening(_logger, radius.AuthEndPoint, radius.AccountingEndPoint, radius.Clients.Count, _certificates.TrustInfo.Server.Sha256Fingerprint);
        }
        catch (Exception ex) when (ex is UserStoreException or RadiusCertificateException or TlsSetupException or System.Net.Sockets.SocketException
            or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot serve RADIUS: {ex.Message}", ex);
        }

        return Task.CompletedTask;
    }

    // The chain OpenSSL loads: the generated server.pem (leaf, then CA), or a configured certificate with its chain file
    // joined after it (public material; written next to the generated files).
    private string ChainFile(RadiusSettings radius)
    {
        var directory = Path.Combine(_settings.DataDir, RadiusCertificateStore.DirectoryName);
        if (radius.Certificate.CertificatePath is not { } certificate)
        {
            return Path.Combine(directory, RadiusCertificateStore.ServerCertificateFile);
        }

        if (radius.Certificate.ChainPath is not { } chain)
        {
            return certificate;
        }

        Directory.CreateDirectory(directory);
        var joined = Path.Combine(directory, "configured-chain.pem");
        File.WriteAllText(joined, File.ReadAllText(certificate).TrimEnd() + "\n" + File.ReadAllText(chain));
        return joined;
    }

    // The key of the Class tokens (ClassToken): kept so sessions started before a restart still name their user.
    private static byte[] ClassKey(string dataDir)
    {
        var path = Path.Combine(dataDir, "keys", "radius-class.key");
        if (File.Exists(path))
        {
            var key = File.ReadAllBytes(path);
            return key.Length == 32 ? key : throw new UserStoreException($"{path} is not a 32-byte key; delete it to make a new one");
        }

        var fresh = ClassToken.NewKey();
        using (var file = PrivateFile.CreateNew(path))
        {
            file.Write(fresh);
            file.Flush(flushToDisk: true);
        }

        return fresh;
    }

    // Whose sessions end now: a guest past their expiry, and anyone disabled or removed since they logged in.
    private bool IsNoLongerAllowed(UserStore users, string name) =>
        users.Get(UserNames.ForLookup(name).ToLowerInvariant()) is not { Enabled: true } user
        || (user.ExpiresAt is { } expires && expires <= _time.GetUtcNow());

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_sweeper is { } sweeper)
            {
                _sweeper = null;
                await sweeper.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                if (_server is { } server)
                {
                    _server = null;
                    await server.DisposeAsync();
                }
            }
            finally
            {
                _tls?.Dispose();
                _certificates?.Dispose();
                if (_users.IsValueCreated)
                {
                    _users.Value?.Dispose();
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "RADIUS listening on {Auth} (auth) and {Accounting} (accounting) for {Clients} client(s); certificate SHA-256 {Fingerprint}")]
        public static partial void Listening(ILogger logger, System.Net.IPEndPoint auth, System.Net.IPEndPoint accounting, int clients, string fingerprint);

        [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "RADIUS certificate: {Problem}")]
        public static partial void CertificateProblem(ILogger logger, string problem);
    }
}
