using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Appliance.IntegrationTests.Peers;

/// <summary>The real <c>appliance</c> executable, started as a child process on loopback ports.</summary>
public sealed partial class ApplianceProcess : IDisposable
{
    private readonly ChildProcess _process;
    private readonly string _dataDir;

    /// <summary>The data directory this instance runs with (its policy store, keys).</summary>
    public string DataDir => _dataDir;

    private ApplianceProcess(ChildProcess process, string dataDir, int webPort)
    {
        _process = process;
        _dataDir = dataDir;
        WebPort = webPort;
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "appliance");

    public int DnsPort { get; private set; }

    public int WebPort { get; }

    public int Pid => _process.Pid;

    public string Output => _process.Output;

    /// <summary>Starts `appliance run` with the given extra arguments and waits until DNS is served.</summary>
    /// <param name="args">Extra arguments after the loopback ports and the data directory.</param>
    /// <param name="env">Extra environment variables.</param>
    /// <param name="dataDir">The data directory (default: a new temporary one, removed by Dispose).</param>
    /// <param name="hostsFile">
    /// A hosts file the process sees as /etc/hosts, in a mount namespace of its own (<c>unshare --mount</c>, then a bind
    /// mount): the names a test gives its loopback web servers resolve for the appliance alone, and the machine's
    /// /etc/hosts is not touched. The process keeps its pid (unshare and sh exec into it).
    /// </param>
    public static async Task<ApplianceProcess> StartAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, string? dataDir = null,
        string? hostsFile = null)
    {
        dataDir ??= Directory.CreateTempSubdirectory("appliance-").FullName;
        var webPort = Processes.FreePort();
        var all = new List<string> { "run", "--dns-listen", "127.0.0.1:0", "--web-listen", $"127.0.0.1:{webPort}", "--data-dir", dataDir };
        all.AddRange(args);
        var process = hostsFile is null
            ? new ChildProcess(Executable, all, env)
            : new ChildProcess("unshare", ["--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hostsFile, Executable, .. all], env);
        var appliance = new ApplianceProcess(process, dataDir, webPort);
        var ready = await process.WaitForOutputAsync(o => ListeningRegex().IsMatch(o) && o.Contains(" ready; web UI", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        if (!ready)
        {
            var output = process.Output;
            appliance.Dispose();
            throw new InvalidOperationException($"appliance did not start{(process.HasExited ? $" (exit {process.ExitCode})" : "")}:\n" + output);
        }

        appliance.DnsPort = int.Parse(ListeningRegex().Match(process.Output).Groups[1].Value);
        return appliance;
    }

    public async Task<JsonElement> HealthAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{WebPort}/api/health");
    }

    /// <summary>After the appliance restarted its services in-process (new settings from the LA): waits for health again and takes the new DNS port.</summary>
    public async Task WaitForRestartAsync(Func<JsonElement, bool> restarted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var health = await HealthAsync();
                if (restarted(health))
                {
                    var endpoint = health.GetProperty("dnsEndPoints")[0].GetString()!;
                    DnsPort = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // the web listener is down between the two runs
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the appliance did not come back:\n" + Output);
            }

            await Task.Delay(100);
        }
    }

    public async Task<long> CounterAsync(string name) => (await HealthAsync()).GetProperty("counters").GetProperty(name).GetInt64();

    /// <summary>dig against this appliance; returns the whole output.</summary>
    public Task<Processes.Result> DigAsync(params string[] args)
        => Processes.RunAsync("dig", ["@127.0.0.1", "-p", DnsPort.ToString(), "+time=3", "+tries=1", .. args]);

    public Task<Processes.Result> KdigAsync(params string[] args)
        => Processes.RunAsync("kdig", ["@127.0.0.1", "-p", DnsPort.ToString(), "+time=3", "+retry=0", .. args]);

    public void Stop() => _process.Stop();

    /// <summary>SIGHUP: refresh and reload the lists now.</summary>
    public void Reload() => _process.Signal(1);

    /// <summary>SIGTERM, as systemd stops the service; returns the exit code.</summary>
    public int StopGracefully()
    {
        _process.Stop();
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL, as a power cut or a crash would stop it: no flush, no goodbye. The data directory is kept.</summary>
    public void Kill()
    {
        _process.Signal(9);
        _process.WaitForExitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    /// <summary>Stops the process but keeps the data directory, for a restart on the same state.</summary>
    public void DisposeKeepingData() => _process.Dispose();

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DNS listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningRegex();
}
