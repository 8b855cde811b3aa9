using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SmartApi.Cli.Backups;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary>
/// <c>smart admin backup|restore</c>: run on the server's machine against its data directory (SQLite), with no API
/// key; see docs/deployment.md for PostgreSQL.
/// </summary>
internal static class AdminCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("admin", "Operate a server's data directory on its machine (SQLite): backup and restore. Needs no API key.");

        var dataDirectory = new Option<string>("--data-directory", "-d")
        {
            Description = "The server's SmartApi:DataDirectory (default: $SmartApi__DataDirectory, else ./data).",
            DefaultValueFactory = _ => host.GetEnvironmentVariable("SmartApi__DataDirectory") is { Length: > 0 } configured ? configured : "./data",
        };
        var output = new Option<string>("--output", "-o") { Description = "The backup file to write (replaced only once complete).", Required = true };
        command.Subcommands.Add(new Command("backup",
                "Back up a data directory while the server runs: a consistent snapshot of smartapi.db (SQLite's online backup API), "
                + "checked with integrity_check, and webhook-secrets.key, in one zip readable by its owner only.")
            .With(dataDirectory, output).Runs(host, async (context, ct) =>
        {
            var directory = context.Parse.GetValue(dataDirectory)!;
            var result = await WithProgressAsync(context, "Starting the backup...",
                progress => SqliteBackup.RunAsync(directory, context.Parse.GetValue(output)!, host.Time, progress, host.BackupSnapshotTaken, ct));
            var m = result.Manifest;
            if (context.Json)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"file\":\"{JsonEncodedText.Encode(result.File)}\",\"bytes\":{result.Bytes},\"schemaVersion\":{m.SchemaVersion},"
                    + $"\"lastEventPosition\":{m.LastEventPosition},\"hasKeyFile\":{(m.HasKeyFile ? "true" : "false")}}}"));
            }
            else
            {
                context.Success($"Backed up {directory} to {result.File} ({result.Bytes:N0} bytes): schema version {m.SchemaVersion}, "
                    + $"events up to position {m.LastEventPosition:N0}.");
                if (!m.HasKeyFile)
                {
                    context.Info("No webhook-secrets.key in the data directory: keep SmartApi:Webhooks:EncryptionKey with the backup.");
                }
            }
            return ExitCodes.Success;
        }));

        var input = new Option<string>("--input", "-i") { Description = "The backup file (from smart admin backup).", Required = true };
        command.Subcommands.Add(new Command("restore",
                "Restore a backup into an empty (or new) data directory; then start the server on it. Refuses a directory with anything in it.")
            .With(input, dataDirectory).Runs(host, async (context, ct) =>
        {
            var directory = context.Parse.GetValue(dataDirectory)!;
            var manifest = await WithProgressAsync(context, "Starting the restore...",
                progress => BackupRestore.RunAsync(context.Parse.GetValue(input)!, directory, progress, ct));
            if (context.Json)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"dataDirectory\":\"{JsonEncodedText.Encode(Path.GetFullPath(directory))}\",\"schemaVersion\":{manifest.SchemaVersion},"
                    + $"\"lastEventPosition\":{manifest.LastEventPosition},\"createdAt\":\"{manifest.CreatedAt:O}\"}}"));
            }
            else
            {
                context.Success($"Restored the backup of {CliContext.Time(manifest.CreatedAt)} into {directory}: schema version {manifest.SchemaVersion}, "
                    + $"events up to position {manifest.LastEventPosition:N0}. Start the server with SmartApi:DataDirectory={directory}.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>A progress bar per stage on an interactive terminal; nothing for scripts and --json.</summary>
    private static Task<T> WithProgressAsync<T>(CliContext context, string start, Func<IProgress<BackupProgress>?, Task<T>> work)
    {
        if (context.Json || !context.Console.Profile.Capabilities.Interactive)
        {
            return work(null);
        }
        return context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(Markup.Escape(start), maxValue: 1);
                var result = await work(new Progress<BackupProgress>(p =>
                {
                    task.Description = Markup.Escape(p.Stage);
                    task.Value = p.Done;
                }));
                task.Value = 1;
                return result;
            });
    }
}
