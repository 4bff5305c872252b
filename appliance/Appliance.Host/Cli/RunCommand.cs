using System.CommandLine;
using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Host.Hosting;
using Appliance.WebUI;

namespace Appliance.Host.Cli;

/// <summary><c>appliance run</c>: validate the settings, then host every subsystem until stopped.</summary>
public static partial class RunCommand
{
    public static Command Create()
    {
        var run = new Command("run", "Run the appliance (the embedded local default when no --config is given)");
        var options = new CommandLine.SettingsOptions();
        options.AddTo(run);
        run.SetAction(async (parse, cancel) =>
        {
            var setAside = false;
            while (true)
            {
                ApplianceSettings settings;
                try
                {
                    settings = options.Resolve(parse);
                    PrepareDataDir(settings.DataDir);
                }
                catch (ConfigException ex)
                {
                    await Console.Error.WriteLineAsync(ex.Message);
                    return ExitCodes.BadUsage;
                }

                // The settings are read again on every pass: a restart takes what the LA saved (LaConfigPart).
                using var restart = new HostRestart();
                var code = await RunAsync(settings, cancel, restart);
                if (code != ExitCodes.Ok && settings.LaConfigApplied && !cancel.IsCancellationRequested)
                {
                    // The LA's settings did not start: set them aside and run on the box's own file, rather than stay down.
                    var reason = $"the box did not start with them (exit {code})";
                    LaConfig.SetAside(settings.DataDir, reason);
                    setAside = true;
                    await Console.Error.WriteLineAsync($"appliance: ALERT: the LA's settings were set aside: {reason}; starting on the box's own configuration");
                    continue;
                }

                if (code != ExitCodes.Ok && setAside)
                {
                    // It does not start on its own file either (a port in use, a missing capability): the LA's settings
                    // were not the cause, so they are put back for the next start.
                    LaConfig.Restore(settings.DataDir);
                    return code;
                }

                if (code != ExitCodes.Ok || !restart.Requested || cancel.IsCancellationRequested)
                {
                    return code;
                }

                if (Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is not null)
                {
                    await Console.Out.WriteLineAsync($"appliance: restarting: {restart.Reason}; exit {ExitCodes.Restart} for systemd to start the service again");
                    return ExitCodes.Restart;
                }

                await Console.Out.WriteLineAsync($"appliance: restarting: {restart.Reason}");
            }
        });
        return run;
    }

    // A group name in pseudonymiseGroups that the policy does not have protects nobody: say so loudly at start.
    private static void WarnUnknownPseudonymGroups(ApplianceSettings settings, PolicyEngine engine, ILogger logger)
    {
        var groups = engine.Snapshot.Groups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (field, names) in new[] { ("journal.pseudonymiseGroups", settings.Journal.PseudonymiseGroups), ("fleet.pseudonymiseGroups", settings.Fleet?.PseudonymiseGroups ?? []) })
        {
            foreach (var name in names.Where(n => !groups.Contains(n)))
            {
                Log.UnknownPseudonymGroup(logger, field, name, string.Join(", ", groups));
            }
        }
    }

    public static async Task<int> RunAsync(ApplianceSettings settings, CancellationToken cancel, HostRestart? restart = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSystemd();   // Type=notify readiness and journald-friendly console output when under systemd
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed start is reported once, in plain words, by the catch below; not also as a host stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        (System.Security.Cryptography.X509Certificates.X509Certificate2, System.Security.Cryptography.X509Certificates.X509Certificate2Collection)? webCertificate;
        try
        {
            webCertificate = WebCertificate.Load(settings, TimeProvider.System);
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"appliance: {ex.Message}");
            return ExitCodes.BadUsage;
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(settings.WebListen);
            WebCertificate.Listen(k, settings, webCertificate);
        });

        builder.Services.AddSingleton(TimeProvider.System);
        if (restart is not null)
        {
            builder.Services.AddSingleton(restart);
        }

        var engine = new PolicyEngine();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"school-gateway-appliance/{Program.Version}");
        var refresher = PolicySetup.Refresher(settings, http);
        Appliance.Policy.PolicyChangeService changes;
        Appliance.Journal.Audit.AuditLog audit;
        using (var startupLogs = LoggerFactory.Create(l => l.AddConsole()))
        {
            try
            {
                audit = AuditSetup.Open(settings);
            }
            catch (ConfigException ex)
            {
                await Console.Error.WriteLineAsync($"appliance: {ex.Message}");
                return ExitCodes.BadUsage;
            }

            try
            {
                AuditSetup.RecordConfiguration(audit, settings, startupLogs.CreateLogger("Appliance"));
                changes = await PolicySetup.StartAsync(settings, refresher, engine, startupLogs.CreateLogger("Appliance"), audit);
                AuditSetup.RecordMissedPolicyVersions(audit, changes.Store, startupLogs.CreateLogger("Appliance"));
                WarnUnknownPseudonymGroups(settings, engine, startupLogs.CreateLogger("Appliance"));
                if (settings.LaConfigProblem is { } problem)
                {
                    Log.LaConfigNotUsed(startupLogs.CreateLogger("Appliance"), problem);
                }

                settings = settings with { Dns = settings.Dns with { StatutoryLogKey = PolicySetup.RedactionKey(settings.DataDir) } };
            }
            catch (ConfigException ex)
            {
                audit.Dispose();
                await Console.Error.WriteLineAsync(ex.Message);
                return ExitCodes.BadUsage;
            }
        }

        using var auditOwner = audit;
        builder.Services.AddSingleton(audit);
        using var store = changes.Store;
        DataStores stores;
        try
        {
            stores = DataStores.Open(settings);
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"appliance: {ex.Message}");
            return ExitCodes.BadUsage;
        }

        using var storesOwner = stores;
        Appliance.PacketFilter.Capture.RecentPackets? capture = null;
        if (settings.Panel.Capture is { } captureOptions)
        {
            try
            {
                capture = Appliance.PacketFilter.Capture.RecentPackets.Start(captureOptions, TimeProvider.System);
            }
            catch (Appliance.PacketFilter.Capture.CaptureException ex)
            {
                await Console.Error.WriteLineAsync($"appliance: {ex.Message}");
                return ExitCodes.BadUsage;
            }

            builder.Services.AddSingleton<Appliance.Core.Incidents.IRecentPackets>(capture);
        }

        using var captureOwner = capture;
        var (journal, outbox, alertStore, incidentStore) = (stores.Journal, stores.Outbox, stores.Alerts, stores.Incidents);
        if (outbox is not null)
        {
            builder.Services.AddSingleton(outbox);
            builder.Services.AddSingleton<FleetService>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<FleetService>());
        }

        builder.Services.AddSingleton(incidentStore);
        builder.Services.AddSingleton<IncidentService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IncidentService>());
        builder.Services.AddSingleton<PanelService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PanelService>());
        builder.Services.AddSingleton(alertStore);
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertService>());
        builder.Services.AddSingleton(journal);
        // Before the settings are registered: a damaged lesson store turns lessons off (and says so), not the box.
        string? lessonsProblem = null, lessonsNotice = null;
        using var lessonStores = settings.Lessons.Enabled ? LessonStores.TryOpen(settings, out lessonsProblem, out lessonsNotice) : null;
        if (settings.Lessons.Enabled && lessonStores is null)
        {
            await Console.Error.WriteLineAsync($"appliance: {lessonsProblem}");
            settings = settings with { Lessons = settings.Lessons with { Enabled = false } };
        }
        else if (lessonsNotice is not null)
        {
            await Console.Error.WriteLineAsync($"appliance: {lessonsNotice}");
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(changes);
        builder.Services.AddHostedService<PolicyWatchService>();
        builder.Services.AddSingleton(refresher);
        builder.Services.AddSingleton<ListRefreshService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ListRefreshService>());
        builder.Services.AddSingleton(new EventRing<QueryEvent>(settings.Dns.EventRingCapacity));
        // RADIUS first: its accounting map is who the resolver and the packet filter log and filter as (issue 7).
        builder.Services.AddSingleton<RadiusService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RadiusService>());
        if (settings.Radius.Enabled)
        {
            builder.Services.AddSingleton<Appliance.Core.Identity.IIdentityMap>(sp => sp.GetRequiredService<RadiusService>().Identities);
        }

        builder.Services.AddSingleton<DnsService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DnsService>());
        builder.Services.AddSingleton<PacketFilterService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PacketFilterService>());
        builder.Services.AddSingleton<EventDrainService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventDrainService>());
        builder.Services.AddHostedService<WatchdogService>();
        builder.Services.AddWebUi(settings.DataDir, https: settings.WebHttps is not null);
        builder.Services.AddSingleton<Appliance.WebUI.Pages.IDashboardSource, HealthDashboard>();
        builder.Services.AddSingleton<Appliance.WebUI.Settings.ISettingsSource, SettingsSource>();
        builder.Services.AddSingleton<Appliance.WebUI.Users.IWifiService, WifiAccounts>();
        builder.Services.AddSingleton<Appliance.WebUI.Incidents.IIncidentDesk, IncidentDesk>();
        builder.Services.AddSingleton(stores.Checks).AddHostedService<SelfCheckService>();
        if (lessonStores is not null)
        {
            // Lesson sites (issue 9): the plans the web UI edits, their allow windows, pre-fetch and the mirror.
            builder.Services.AddSingleton(lessonStores);
            builder.Services.AddSingleton<Appliance.Core.Net.INameWarmer>(sp => sp.GetRequiredService<DnsService>().Server);
            builder.Services.AddSingleton<LessonService>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<LessonService>());
            builder.Services.AddSingleton(sp => sp.GetRequiredService<LessonService>().Planner);
            builder.Services.AddSingleton<Appliance.WebUI.Lessons.ILessonDesk, LessonDesk>();
        }

        await using var app = builder.Build();
        LessonMirrorEndpoints.UseMirrorPaths(app, settings.Lessons);   // before routing: the mirror's name and the copies' paths go to /mirror/…
        app.UseRouting();
        app.MapWebUi();
        if (lessonStores is not null)
        {
            LessonMirrorEndpoints.Map(app);
        }

        HealthEndpoints.Map(app);   // open to scripts and the LA probe (AllowAnonymous inside)
        PanelEndpoints.Map(app);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance");
        app.Lifetime.ApplicationStarted.Register(() => Log.Ready(log, Program.Version, settings.WebListen));
        // The evidence capture follows DNS to the ports it is really on (a configured port 0 is only known once bound).
        app.Lifetime.ApplicationStarted.Register(() => capture?.AddDnsPorts(app.Services.GetRequiredService<DnsService>().Server.EndPoints.Select(e => e.Port)));
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, restart?.Token ?? CancellationToken.None);
            await app.RunAsync(stop.Token);
            return ExitCodes.Ok;
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"appliance: {ex.Message}");
            return ExitCodes.RuntimeFailure;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || ex.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"appliance: cannot serve the web UI on {settings.WebListen}: {ex.Message}");
            return ExitCodes.RuntimeFailure;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 25, Level = LogLevel.Error, Message = "ALERT: {Field} names '{Group}', which is not a group of the policy ({Groups}); nobody is pseudonymised under that name")]
        public static partial void UnknownPseudonymGroup(ILogger logger, string field, string group, string groups);

        [LoggerMessage(EventId = 26, Level = LogLevel.Error, Message = "ALERT: the LA's settings are not used; the box runs on its own configuration: {Problem}")]
        public static partial void LaConfigNotUsed(ILogger logger, string problem);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "appliance {Version} ready; web UI and API on http://{Web}")]
        public static partial void Ready(ILogger logger, string version, System.Net.IPEndPoint web);
    }

    // The data directory must exist and be writable before anything relies on it (the journal will live there).
    private static void PrepareDataDir(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"dataDir: '{path}' cannot be created or written: {ex.Message}", ex);
        }
    }
}
