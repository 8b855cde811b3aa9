using SmartApi.Server.Infrastructure;

// The table of contents: every service is registered in AddSmartApi, every endpoint mapped in
// MapSmartApi (Infrastructure/SmartApiHosting.cs), one feature folder each.
// Content root = the app's own directory, so appsettings.json applies wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSmartApi();

var app = builder.Build();
app.MapSmartApi();
await app.RunAsync();
