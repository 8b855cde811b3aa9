using System.CommandLine;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart profiles set|list|use|remove</c>.</summary>
internal static class ProfileCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("profiles", "Named connections: a server URL and where its key comes from (never the key itself).");

        var name = new Argument<string>("name") { Description = "The profile's name." };
        var url = new Option<string>("--url") { Description = "The server URL.", Required = true };
        var keyEnv = new Option<string?>("--key-env") { Description = $"Read the key from this environment variable (default {Profiles.DefaultKeyVariable})." };
        var keyFile = new Option<string?>("--key-file") { Description = "Read the key from this file; it must be readable by you only (chmod 600)." };
        var set = new Command("set", "Create or change a profile and make it current.").With(name).With(url, keyEnv, keyFile).Runs(host, (context, _) =>
        {
            var file = context.Parse.GetValue(keyFile);
            var variable = context.Parse.GetValue(keyEnv);
            if (file is not null && variable is not null)
            {
                throw new CliException("Give --key-env or --key-file, not both.", ExitCodes.Usage);
            }
            if (!Uri.TryCreate(context.Parse.GetValue(url), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                throw new CliException($"'{context.Parse.GetValue(url)}' is not an http(s) URL.", ExitCodes.Usage);
            }
            if (file is not null)
            {
                file = Path.GetFullPath(file);
                Profiles.CheckKeyFile(file);
            }
            var profiles = Profiles.Load(host);
            var profileName = context.Parse.GetValue(name)!;
            profiles.Items[profileName] = new Profile(address.ToString().TrimEnd('/'), file is null ? variable ?? Profiles.DefaultKeyVariable : null, file);
            profiles.Current = profileName;
            profiles.Save(host);
            context.Success($"Profile '{profileName}' saved and current ({profiles.Items[profileName].KeySource}).");
            return Task.FromResult(ExitCodes.Success);
        });

        var list = new Command("list", "List the profiles (the key's source, never the key).").Runs(host, (context, _) =>
        {
            var profiles = Profiles.Load(host);
            if (context.Json)
            {
                context.WriteJson(new ProfilesFile(profiles.Current, profiles.Items), CliJsonContext.Default.ProfilesFile);
                return Task.FromResult(ExitCodes.Success);
            }
            var table = Tables.Create("", "Name", "URL", "Key from");
            foreach (var (profileName, profile) in profiles.Items.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                table.AddRow(profileName == profiles.Current ? "*" : "", Markup.Escape(profileName), Markup.Escape(profile.Url), Markup.Escape(profile.KeySource));
            }
            context.Console.Write(table);
            if (profiles.Items.Count == 0)
            {
                context.Info($"No profiles: commands use {Profiles.DefaultUrl} and the key in ${Profiles.DefaultKeyVariable}.");
            }
            return Task.FromResult(ExitCodes.Success);
        });

        var useName = new Argument<string>("name") { Description = "The profile to make current." };
        var use = new Command("use", "Make a profile the current one.").With(useName).Runs(host, (context, _) =>
        {
            var profiles = Profiles.Load(host);
            var profileName = context.Parse.GetValue(useName)!;
            profiles.Resolve(profileName);
            profiles.Current = profileName;
            profiles.Save(host);
            context.Success($"Now using profile '{profileName}'.");
            return Task.FromResult(ExitCodes.Success);
        });

        var removeName = new Argument<string>("name") { Description = "The profile to remove." };
        var remove = new Command("remove", "Remove a profile.").With(removeName).Runs(host, (context, _) =>
        {
            var profiles = Profiles.Load(host);
            var profileName = context.Parse.GetValue(removeName)!;
            profiles.Resolve(profileName);
            profiles.Items.Remove(profileName);
            if (profiles.Current == profileName)
            {
                profiles.Current = null;
            }
            profiles.Save(host);
            context.Success($"Profile '{profileName}' removed.");
            return Task.FromResult(ExitCodes.Success);
        });

        command.Subcommands.Add(set);
        command.Subcommands.Add(list);
        command.Subcommands.Add(use);
        command.Subcommands.Add(remove);
        return command;
    }
}
