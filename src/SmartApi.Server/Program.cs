using SmartApi.Server.Infrastructure;

// The table of contents: AddSmartApi and MapSmartApi (Infrastructure/SmartApiHosting.cs) list the
// features, one line each; each feature folder registers its own options and services
// (XxxRegistration.cs) and maps its own endpoints (XxxApi.cs).
// Content root = the app's own directory, so appsettings.json applies wherever it is started from.
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddSmartApi();

    var app = builder.Build();
    // A configuration mistake ends here with one line per problem and exit code 1, not in a stack trace.
    ConfigurationErrors.ValidateNow(app.Services);
    app.MapSmartApi();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ConfigurationErrors.Describe(ex) is { } lines)
{
    foreach (var line in lines)
    {
        await Console.Error.WriteLineAsync(line);
    }
    return ConfigurationErrors.ExitCode;
}
