using SmartApi.Cli;

return await SmartCli.RunAsync(args, CliHost.FromProcess());
