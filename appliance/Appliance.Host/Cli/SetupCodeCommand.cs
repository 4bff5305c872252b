using System.CommandLine;
using Appliance.WebUI.Accounts;

namespace Appliance.Host.Cli;

/// <summary>
/// <c>appliance setup-code</c>: makes the web UI's one-time setup code and prints it alone on stdout, for the image's
/// first boot to show on the console (image-build/firstboot). Such a code is kept when the service starts, so the one
/// on the screen stays the one that works. Once the first technician exists there is nothing to set up: exit 2.
/// Run it as the service's user, so the account store it may create belongs to the service.
/// </summary>
public static class SetupCodeCommand
{
    public static Command Create()
    {
        var settingsOptions = new CommandLine.SettingsOptions();
        var command = new Command("setup-code", "Make a new one-time web UI setup code and print it (only while no account exists); it replaces any earlier code");
        settingsOptions.AddTo(command);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = settingsOptions.Resolve(parse);
            AccountStore store;
            try
            {
                store = AccountStore.Open(settings.DataDir);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"appliance: {ex.Message}");
                return ExitCodes.RuntimeFailure;
            }

            using (store)
            {
                if (store.NewSetupCode(fromConsole: true) is not { } code)
                {
                    Console.Error.WriteLine("appliance: the web UI already has an account, so there is no setup code; a technician signs in and manages accounts");
                    return ExitCodes.BadUsage;
                }

                Console.WriteLine(code);
                Console.Error.WriteLine("appliance: open the web UI and create the first technician with this code (one time)");
                return ExitCodes.Ok;
            }
        }));
        return command;
    }
}
