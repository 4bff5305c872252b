namespace Appliance.Host.Cli;

/// <summary>DESIGN §6: the exit codes scripts and systemd rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int RuntimeFailure = 1;
    public const int BadUsage = 2;

    /// <summary>
    /// Under systemd: "start me again" (new settings from the LA). Stopping the host tells systemd STOPPING=1, after
    /// which it would not take a second READY=1 from the same process; exiting non-zero lets Restart=on-failure
    /// start the service again. (EX_TEMPFAIL from sysexits.h.)
    /// </summary>
    public const int Restart = 75;
}
