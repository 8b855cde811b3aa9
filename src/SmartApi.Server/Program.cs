using SmartApi.Server.Infrastructure;

// The table of contents: every service is registered in AddSmartApi, every endpoint mapped in
// MapSmartApi (Infrastructure/SmartApiHosting.cs), one feature folder each.
var builder = WebApplication.CreateBuilder(args);
builder.AddSmartApi();

var app = builder.Build();
app.MapSmartApi();
await app.RunAsync();
