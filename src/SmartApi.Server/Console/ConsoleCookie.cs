namespace SmartApi.Server.WebConsole;

/// <summary>
/// The session cookie: HttpOnly, SameSite=Strict, path /; over HTTPS also Secure with the
/// <c>__Host-</c> prefix (no Domain, so no sibling host can set or read it).
/// </summary>
internal static class ConsoleCookie
{
    public const string Name = "smartapi_console";
    public const string SecureName = "__Host-smartapi_console";

    public static string? Read(HttpRequest request) =>
        request.IsHttps ? request.Cookies[SecureName] : request.Cookies[Name] ?? request.Cookies[SecureName];

    public static void Write(HttpResponse response, string token, DateTimeOffset expires)
    {
        var secure = response.HttpContext.Request.IsHttps;
        response.Cookies.Append(secure ? SecureName : Name, token, Options(secure, expires));
    }

    public static void Delete(HttpResponse response)
    {
        var secure = response.HttpContext.Request.IsHttps;
        response.Cookies.Delete(secure ? SecureName : Name, Options(secure, null));
    }

    private static CookieOptions Options(bool secure, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = secure,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
