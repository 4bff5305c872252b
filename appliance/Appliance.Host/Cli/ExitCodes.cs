namespace Appliance.Host.Cli;

/// <summary>DESIGN §6: the exit codes scripts and systemd rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int RuntimeFailure = 1;
    public const int BadUsage = 2;
}
