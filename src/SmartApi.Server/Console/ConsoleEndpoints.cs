using Microsoft.AspNetCore.Mvc;

namespace SmartApi.Server.WebConsole;

/// <summary>The console's own form posts (not part of the API: left out of the OpenAPI document).</summary>
internal static class ConsoleEndpoints
{
    public static void MapConsoleEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post: the antiforgery middleware validates its token before this runs.
        app.MapPost("/console/signin", SignInAsync).ExcludeFromDescription().DisableRateLimiting();
    }

    private static async Task<IResult> SignInAsync(HttpContext context, [FromForm(Name = "apiKey")] string? apiKey, ConsoleSessionAuthenticator sessions)
    {
        if (string.IsNullOrWhiteSpace(apiKey))
        {
            return Results.Redirect("/signin?error=missing");
        }
        var (token, session, _) = await sessions.SignInAsync(apiKey.Trim(), context.RequestAborted);
        if (token is null || session is null)
        {
            return Results.Redirect("/signin?error=invalid");
        }
        ConsoleCookie.Write(context.Response, token, session.ExpiresAt);
        return Results.Redirect("/");
    }
}
