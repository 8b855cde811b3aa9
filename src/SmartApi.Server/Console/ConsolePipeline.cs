using Microsoft.Extensions.Options;
using SmartApi.Server.Portal;
using SmartApi.WebConsole;

namespace SmartApi.Server.WebConsole;

/// <summary>
/// What the console adds to a request that is not the API's: security headers, the signed-in user
/// from the session cookie (for the page and for the circuit's WebSocket), and the way to sign-in
/// for a page without a session. The portal's page (<c>/portal</c>) is the exception: no cookie, no
/// redirect, and framable by the sites <see cref="PortalOptions.FrameAncestors"/> lists (ADR 031).
/// </summary>
internal sealed class ConsolePipeline(ConsoleSessionAuthenticator sessions, IOptions<PortalOptions> portal)
{
    // No inline script: Blazor is started by console.js. 'unsafe-inline' for styles only, because
    // MudBlazor's theme provider writes a <style> element and its components set style attributes;
    // a style cannot run code. connect-src 'self' covers the circuit's same-origin WebSocket.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    private readonly string _portalPolicy = PortalContentSecurityPolicy(portal.Value.FrameAncestors);

    /// <summary>The console's policy with the embedders the configuration allows as <c>frame-ancestors</c>.</summary>
    public static string PortalContentSecurityPolicy(string frameAncestors) =>
        ContentSecurityPolicy.Replace("frame-ancestors 'none'", "frame-ancestors " + string.Join(' ', frameAncestors.Split(' ', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (!IsConsole(path))
        {
            await next(context);
            return;
        }
        var headers = context.Response.Headers;
        if (IsPortal(path))
        {
            // The portal authenticates with the token its page hands to the circuit, never with the
            // console's cookie, and is meant to be framed: no X-Frame-Options, frame-ancestors as configured.
            headers.ContentSecurityPolicy = _portalPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            await next(context);
            return;
        }
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (IsAsset(path))
        {
            await next(context);
            return;
        }

        var token = ConsoleCookie.Read(context.Request);
        if (token is not null)
        {
            var (caller, _) = await sessions.AuthenticateAsync(token, context.RequestAborted);
            if (caller is not null)
            {
                context.User = ConsoleUser.ToPrincipal(token, caller.OrganizationId, caller.KeyId, caller.Scopes);
            }
            else
            {
                // Ended, revoked or unknown: the browser forgets it.
                ConsoleCookie.Delete(context.Response);
            }
        }
        if (HttpMethods.IsGet(context.Request.Method) && IsPage(path) && ConsoleUser.From(context.User) is null)
        {
            context.Response.Redirect(token is null ? "/signin" : "/signin?expired=1");
            return;
        }
        await next(context);
    }

    /// <summary>Everything but the API, its documents and the probes is the console.</summary>
    public static bool IsConsole(PathString path) =>
        !(path.StartsWithSegments("/v1") || path.StartsWithSegments("/docs") || path.StartsWithSegments("/openapi")
          || path.StartsWithSegments("/scalar") || path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics"));

    /// <summary>The portal's pages: <c>/portal</c> and below.</summary>
    public static bool IsPortal(PathString path) => path.StartsWithSegments("/portal");

    private static bool IsAsset(PathString path) =>
        path.StartsWithSegments("/_content") || path.StartsWithSegments("/_framework");

    /// <summary>A page that needs a session: not the sign-in page, its form post, or the circuit's hub.</summary>
    private static bool IsPage(PathString path) =>
        !(path.StartsWithSegments("/signin") || path.StartsWithSegments("/console") || path.StartsWithSegments("/_blazor"));
}
