using System.Globalization;
using System.Text;
using Appliance.Core.Lists;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Appliance.Journal.Alerts;

public enum MailSecurity
{
    /// <summary>Plain SMTP: only for a relay on the school's own network.</summary>
    None,
    StartTls,
    Tls,
}

/// <summary>Where the DSL's alert e-mail goes and how to reach the mail server.</summary>
public sealed record MailOptions(string Host, int Port, MailSecurity Security, string From, IReadOnlyList<string> To, string? Username, string? Password, string School)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Sends the alerts not yet e-mailed, oldest first, up to 50 in one message, with MailKit; marks them e-mailed only
/// after the server accepted the message, so a mail server that is down delays alerts, never loses them (they wait
/// in <see cref="AlertStore"/>, across restarts). Statutory-list hits carry only the keyed hash of the name.
/// </summary>
public sealed class AlertMailer
{
    private const int PerMessage = 50;
    private readonly MailOptions _options;
    private readonly AlertStore _store;
    private readonly TimeProvider _time;

    public AlertMailer(MailOptions options, AlertStore store, TimeProvider time)
    {
        _options = options;
        _store = store;
        _time = time;
    }

    /// <returns>Alerts sent.</returns>
    /// <exception cref="MailException">The server could not be reached or refused the message; the alerts stay pending.</exception>
    public async Task<int> SendPendingAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        while (true)
        {
            var alerts = _store.NotEmailed(PerMessage);
            if (alerts.Count == 0)
            {
                return sent;
            }

            await SendAsync(Compose(alerts, _options), cancellationToken).ConfigureAwait(false);
            _store.MarkEmailed(alerts.Select(a => a.Id), _time.GetUtcNow());
            sent += alerts.Count;
        }
    }

    private async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        try
        {
            var security = _options.Security switch
            {
                MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
                MailSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(_options.Host, _options.Port, security, cancellationToken).ConfigureAwait(false);
            if (_options.Username is not null)
            {
                await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or SmtpCommandException or SmtpProtocolException
                                       or AuthenticationException or SslHandshakeException or TimeoutException)
        {
            throw new MailException($"alert e-mail via {_options.Host}:{_options.Port} failed: {ex.Message}", ex);
        }
    }

    /// <summary>One message for a batch: the subject says how many and how serious; the body lists each alert.</summary>
    public static MimeMessage Compose(IReadOnlyList<Alert> alerts, MailOptions options)
    {
        var highest = alerts.Max(a => a.Severity);
        var rules = string.Join(", ", alerts.Select(a => a.Rule).Distinct(StringComparer.Ordinal));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        foreach (var to in options.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = string.Create(CultureInfo.InvariantCulture,
            $"[{options.School}] {alerts.Count} safeguarding alert{(alerts.Count == 1 ? "" : "s")}, {highest.ToString().ToUpperInvariant()}: {rules}");
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"The school gateway at {options.School} raised {alerts.Count} alert(s) for the designated safeguarding lead.");
        body.AppendLine("Times are UTC. Look the person up in the gateway's activity page (timeline around the time) before acting.");
        body.AppendLine();
        foreach (var a in alerts)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"#{a.Id}  {a.At:yyyy-MM-dd HH:mm:ss}Z  {a.Severity.ToString().ToUpperInvariant()}  rule {a.Rule}");
            body.AppendLine(CultureInfo.InvariantCulture, $"    who:   {a.User ?? "(user not known)"} at {a.Client}, group {a.Group}");
            if ((a.Categories & Categories.Locked) != 0)
            {
                body.AppendLine("    what:  a site on a statutory list (IWF / police terrorism list). Its address is deliberately not shown;");
                body.AppendLine(CultureInfo.InvariantCulture, $"           follow your statutory-hit procedure. Reference: {a.Name}");
            }
            else
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"    what:  {a.Name} ({Categories.Describe(a.Categories)}), {(a.Blocked ? "blocked" : "allowed")}");
            }

            if (a.Suppressed > 0)
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"    also:  {a.Suppressed} more of the same from this device were held back by the rate limit");
            }

            body.AppendLine();
        }

        message.Body = new TextPart("plain") { Text = body.ToString() };
        return message;
    }
}

/// <summary>Alert e-mail could not be sent; the message names the server and the problem.</summary>
public sealed class MailException : Exception
{
    public MailException()
    {
    }

    public MailException(string message)
        : base(message)
    {
    }

    public MailException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
