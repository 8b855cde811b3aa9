using SmartApi.Webhooks.AspNetCore;
using SmartApi.Webhooks.Events;

// A webhook receiver as a Smart API user writes one, built against the SmartApi.Webhooks package.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

// The secret shown once when the automation was created; add the new one here during a rotation.
var secret = builder.Configuration["SmartApi:WebhookSecret"]
    ?? throw new InvalidOperationException("Set SmartApi:WebhookSecret (env SmartApi__WebhookSecret) to the automation's whsec_ secret.");

app.MapPost("/smart-api/webhooks", (HttpContext context) =>
{
    // Only runs for verified requests; others got 401 problem+json with the failure reason.
    var evt = context.GetWebhookVerification()!.GetEvent();
    switch (evt.GetData())
    {
        case DeviceSwitchedData switched:
            Console.WriteLine($"{switched.DeviceId} is now {switched.State} ({switched.Source})");
            break;
        default:
            Console.WriteLine($"{evt.Type} {evt.Id}");
            break;
    }
    return Results.NoContent(); // dedupe on evt.Id: delivery is at-least-once
}).RequireWebhookSignature([secret]);

app.Run();
