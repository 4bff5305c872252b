using Appliance.Core.Lists;
using Appliance.Journal.Alerts;

namespace Appliance.Host.Configuration;

/// <summary>The alerts section: rules, the rate limit, and the DSL's e-mail.</summary>
public sealed partial class SettingsBuilder
{
    private (IReadOnlyList<AlertRule> Rules, int PerHour, MailOptions? Email) Alerts(AlertsConfig? alerts, string? school)
    {
        if (alerts is null)
        {
            return (AlertRule.Defaults, 3, null);
        }

        var rules = alerts.Rules is null ? AlertRule.Defaults : AlertRules(alerts.Rules);
        var perHour = Range(alerts.MaxPerDevicePerHour, "alerts.maxPerDevicePerHour", 1, 1_000, 3);
        return (rules, perHour, alerts.Email is null ? null : Email(alerts.Email, school));
    }

    private List<AlertRule> AlertRules(IReadOnlyList<AlertRuleConfig> configs)
    {
        var rules = new List<AlertRule>();
        for (var i = 0; i < configs.Count; i++)
        {
            var at = $"alerts.rules[{i}]";
            var rule = configs[i];
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                Error($"{at}.name", "is missing; the DSL sees it in every alert");
                continue;
            }

            ulong mask = 0;
            foreach (var name in rule.Categories ?? [])
            {
                if (Categories.TryParse(name, out var category))
                {
                    mask |= Categories.Bit(category);
                }
                else
                {
                    Error($"{at}.categories", $"'{name}' is not a category");
                }
            }

            if (mask == 0 && rule.Categories is not { Count: > 0 })
            {
                Error($"{at}.categories", "is empty; name at least one category");
            }

            rules.Add(new AlertRule(rule.Name, mask, Choice(rule.Severity, $"{at}.severity", AlertSeverity.High), rule.BlockedOnly ?? true));
        }

        return rules;
    }

    private MailOptions? Email(AlertEmailConfig email, string? school)
    {
        string? host = null;
        var port = 0;
        if (email.Smtp is null || email.Smtp.LastIndexOf(':') is var colon && colon <= 0
            || !int.TryParse(email.Smtp.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            Error("alerts.email.smtp", $"'{email.Smtp}' is not HOST:PORT of the school's mail server");
        }
        else
        {
            host = email.Smtp[..colon];
        }

        var security = Choice(email.Security, "alerts.email.security", MailSecurity.StartTls);
        if (email.From is null || !MimeKit.MailboxAddress.TryParse(email.From, out _))
        {
            Error("alerts.email.from", $"'{email.From}' is not an e-mail address");
        }

        var to = email.To ?? [];
        if (to.Count == 0)
        {
            Error("alerts.email.to", "is empty; name the DSL's address (and the deputy's)");
        }

        foreach (var address in to.Where(a => !MimeKit.MailboxAddress.TryParse(a, out _)))
        {
            Error("alerts.email.to", $"'{address}' is not an e-mail address");
        }

        string? password = null;
        if (email.PasswordFile is not null && ExistingPath(email.PasswordFile, "alerts.email.passwordFile") is { } file)
        {
            password = File.ReadAllText(file).TrimEnd('\r', '\n');
        }

        if (email.Username is not null && password is null && email.PasswordFile is null)
        {
            Error("alerts.email.passwordFile", "is missing; alerts.email.username needs a password");
        }

        return host is null || email.From is null
            ? null
            : new MailOptions(host, port, security, email.From, to, email.Username, password, email.School ?? school ?? "school gateway");
    }
}
