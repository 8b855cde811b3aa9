using System.CommandLine;
using SmartApi.Cli.Commands;

namespace SmartApi.Cli;

/// <summary>The <c>smart</c> command tree; Program.cs runs it against the process, tests in-process.</summary>
internal static class SmartCli
{
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var parse = Build(host).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync("error: " + error.Message);
            }
            await host.Error.WriteLineAsync("Run 'smart --help' (or 'smart <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = host.Out, Error = host.Error }, cancellationToken);
    }

    public static RootCommand Build(CliHost host)
    {
        var root = new RootCommand("smart: the command-line tool of the Smart API. Exit codes: 0 ok, 1 failed check, 2 usage, "
            + "3 configuration, 4 key refused or scope missing, 5 not found, 6 request rejected, 7 server unreachable, 8 server error.");
        root.Options.Add(GlobalOptions.Profile);
        root.Options.Add(GlobalOptions.Url);
        root.Options.Add(GlobalOptions.Json);
        root.Subcommands.Add(ProfileCommands.Create(host));
        root.Subcommands.Add(DeviceCommands.Create(host));
        root.Subcommands.Add(EventCommands.Create(host));
        root.Subcommands.Add(AutomationCommands.Create(host));
        root.Subcommands.Add(DeliveryCommands.Create(host));
        root.Subcommands.Add(EnergyCommands.Create(host));
        root.Subcommands.Add(ApiKeyCommands.Create(host));
        root.Subcommands.Add(OrganizationCommands.Create(host));
        root.Subcommands.Add(BudgetCommands.Create(host));
        root.Subcommands.Add(TariffCommands.Create(host));
        root.Subcommands.Add(WebhookCommands.Create(host));
        root.Subcommands.Add(SimulateCommands.Create(host));
        root.Subcommands.Add(ExportCommands.Create(host));
        root.Subcommands.Add(AdminCommands.Create(host));
        return root;
    }

    /// <summary>Runs <paramref name="action"/> as the command's handler, turning failures into messages and exit codes.</summary>
    public static TCommand Runs<TCommand>(this TCommand command, CliHost host, Func<CliContext, CancellationToken, Task<int>> action)
        where TCommand : Command
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(host, parse);
            try
            {
                return await action(context, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130;
            }
#pragma warning disable CA1031 // Every failure ends as a message and an exit code, never a stack trace.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return context.Fail(ex);
            }
        });
        return command;
    }
}
