using System.CommandLine;
using System.Globalization;

namespace LaFleet;

/// <summary>How the LA's tools reach the broker: the same options for every command.</summary>
internal sealed class BrokerOptions
{
    public Option<string> Broker { get; } = new("--broker") { Description = "Broker HOST:PORT", Required = true, HelpName = "HOST:PORT" };

    public Option<string> La { get; } = new("--la") { Description = "The Local Authority's id in the topic tree (la/{la}/…)", Required = true };

    public Option<string> User { get; } = new("--user") { Description = "Broker username", DefaultValueFactory = _ => "la-ingest" };

    public Option<FileInfo?> PasswordFile { get; } = new("--password-file") { Description = "File holding the broker password (else $LA_FLEET_PASSWORD)" };

    public Option<bool> NoTls { get; } = new("--no-tls") { Description = "Plain TCP (a broker on loopback only)" };

    public Option<string?> Ca { get; } = new("--ca") { Description = "PEM CA the broker's certificate must chain to" };

    public Option<string?> Cert { get; } = new("--cert") { Description = "PEM client certificate (mutual TLS)" };

    public Option<string?> Key { get; } = new("--key") { Description = "PEM key of the client certificate" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Broker, La, User, PasswordFile, NoTls, Ca, Cert, Key })
        {
            command.Options.Add(option);
        }
    }

    public (string Host, int Port) Endpoint(ParseResult parse)
    {
        var text = parse.GetValue(Broker)!;
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (text[..colon], port)
            : throw new ArgumentException($"--broker: '{text}' is not HOST:PORT");
    }

    public string? Password(ParseResult parse)
        => parse.GetValue(PasswordFile) is { } file ? File.ReadAllText(file.FullName).TrimEnd('\r', '\n') : Environment.GetEnvironmentVariable("LA_FLEET_PASSWORD");
}
