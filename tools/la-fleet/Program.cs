using LaFleet;

return await Cli.InvokeAsync(args);
