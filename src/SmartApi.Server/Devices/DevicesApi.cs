using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Organizations;
using SmartApi.Storage;

namespace SmartApi.Server.Devices;

internal static class DevicesApi
{
    public static RouteGroupBuilder MapDevices(this IEndpointRouteBuilder routes)
    {
        var devices = routes.MapGroup("/v1/devices").WithTags("Devices");

        var read = devices.MapGroup("").RequireScope(Scopes.DevicesRead);
        read.MapGet("/", List).WithName("ListDevices").WithSummary("List devices, newest last, with optional filters.");
        read.MapGet("/count", Count).WithName("CountDevices")
            .WithSummary("Count devices matching the list's filters (online, tag) without paging through them.");
        read.MapGet("/{id}", Get).WithName("GetDevice").WithSummary("Get a device with its state and latest measurement.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/{id}/commands", ListCommands).WithName("ListDeviceCommands").WithSummary("List a device's commands.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/{id}/commands/{commandId}", GetCommand).WithName("GetDeviceCommand").WithSummary("Get a command and its status.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var write = devices.MapGroup("").RequireScope(Scopes.DevicesWrite);
        write.MapPost("/", Create).WithName("CreateDevice")
            .WithSummary("Create a device; the response holds its MQTT credentials, shown once.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        write.MapPatch("/{id}", Update).WithName("UpdateDevice")
            .WithSummary("Change a device's name, tags or settings (JSON merge patch).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapDelete("/{id}", Delete).WithName("DeleteDevice").WithSummary("Delete a device and its measurements.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/rotate-credentials", RotateCredentials).WithName("RotateDeviceCredentials")
            .WithSummary("Give a device a new MQTT password, shown once; the old one stops working.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/switch", Switch).WithName("SwitchDevice")
            .WithSummary("Switch a device on, off or toggle it; answers the pending command.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/erase", Erase).WithName("EraseDevice")
            .WithSummary("Erase a device's measurements and the payloads of its events and deliveries; ids and types remain, marked erased.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapBulkSwitch(routes);
        return devices;
    }

    private static async Task<Results<Created<DeviceResponse>, ProblemHttpResult>> Create(
        CreateDeviceRequest request, ClaimsPrincipal user, DeviceService devices, OrganizationLimits limits, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DeviceValidation.Serial(request.Serial, errors);
        DeviceValidation.Name(request.Name, errors, required: true);
        DeviceValidation.Model(request.Model, errors);
        DeviceValidation.Tags(request.Tags, errors, v => v);
        if (request.Tags?.Any(t => t.Value is null) == true)
        {
            errors.Add("tags", "Tag values must be strings.");
        }
        DeviceValidation.Settings(request.Settings, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await limits.CheckQuotaAsync(user.Caller().OrganizationId, Quota.Devices, 1, cancellationToken) is { } quota)
        {
            return quota;
        }
        try
        {
            var (device, credentials) = await devices.CreateAsync(user.Caller().OrganizationId, request, cancellationToken);
            return TypedResults.Created($"/v1/devices/{device.Id}", device.ToResponse(credentials));
        }
        catch (DuplicateKeyException)
        {
            // Serials are unique across organizations (they are MQTT identities); the answer does not
            // say whether the holder is in the caller's organization or another one.
            return Problems.Conflict("serial_taken", $"The serial '{request.Serial}' is already registered to a device.");
        }
    }

    /// <param name="online">Only devices that are (true) or are not (false) connected.</param>
    /// <param name="tag">Only devices with this tag: <c>key</c> (any value) or <c>key:value</c>.</param>
    private static async Task<Results<Ok<Page<DeviceResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, bool? online, string? tag, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "dev", out var page, out var problem))
        {
            return problem!;
        }
        if (!TryFilter(online, tag, out var filter, out problem))
        {
            return problem!;
        }
        var result = await store.ListDevicesAsync(user.Caller().OrganizationId, filter, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, d => d.ToResponse(), d => d.Id));
    }

    /// <param name="online">Count only devices that are (true) or are not (false) connected.</param>
    /// <param name="tag">Count only devices with this tag: <c>key</c> (any value) or <c>key:value</c>.</param>
    private static async Task<Results<Ok<DeviceCount>, ProblemHttpResult>> Count(
        ClaimsPrincipal user, ISmartApiStore store, bool? online, string? tag, CancellationToken cancellationToken)
    {
        if (!TryFilter(online, tag, out var filter, out var problem))
        {
            return problem!;
        }
        return TypedResults.Ok(new DeviceCount(await store.CountDevicesAsync(user.Caller().OrganizationId, filter, cancellationToken)));
    }

    private static bool TryFilter(bool? online, string? tag, out DeviceFilter filter, out ProblemHttpResult? problem)
    {
        filter = new DeviceFilter(online);
        problem = null;
        if (tag is null)
        {
            return true;
        }
        var errors = new ValidationErrors();
        var selector = DeviceValidation.Tag(tag, "tag", errors);
        if (errors.Any)
        {
            problem = errors.ToProblem();
            return false;
        }
        filter = filter with { TagKey = selector?.Key, TagValue = selector?.Value };
        return true;
    }

    private static async Task<Results<Ok<DeviceResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ISmartApiStore store, CancellationToken cancellationToken) =>
        await store.GetDeviceAsync(user.Caller().OrganizationId, id, cancellationToken) is { } device
            ? TypedResults.Ok(device.ToResponse())
            : Problems.NotFound("device", id);

    private static async Task<Results<Ok<DeviceCredentials>, ProblemHttpResult>> RotateCredentials(
        string id, ClaimsPrincipal user, DeviceService devices, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        return await devices.RotateCredentialsAsync(caller.OrganizationId, id, caller.KeyId, cancellationToken) is { } credentials
            ? TypedResults.Ok(credentials)
            : Problems.NotFound("device", id);
    }

    private static async Task<Results<Ok<DeviceResponse>, ProblemHttpResult>> Update(
        string id, UpdateDeviceRequest request, ClaimsPrincipal user, DeviceService devices, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DeviceValidation.Name(request.Name, errors, required: false);
        DeviceValidation.Tags(request.Tags, errors, v => v);
        DeviceValidation.Settings(request.Settings, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        try
        {
            return await devices.UpdateAsync(user.Caller().OrganizationId, id, request, cancellationToken) is { } device
                ? TypedResults.Ok(device.ToResponse())
                : Problems.NotFound("device", id);
        }
        catch (TooManyTagsException ex)
        {
            return Problems.Validation("tags", ex.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, DeviceService devices, CancellationToken cancellationToken) =>
        await devices.DeleteAsync(user.Caller().OrganizationId, id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("device", id);

    /// <summary>Safe to repeat: a second call erases what arrived since and records another erasure.</summary>
    private static async Task<Results<Ok<DeviceErasureResponse>, ProblemHttpResult>> Erase(
        string id, ClaimsPrincipal user, DeviceErasureService erasures, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        return await erasures.EraseAsync(caller.OrganizationId, id, caller.KeyId, cancellationToken) is { } e
            ? TypedResults.Ok(new DeviceErasureResponse(e.Id, e.DeviceId, e.ErasedAt, e.ApiKeyId, e.MeasurementsDeleted, e.EventsErased, e.DeliveriesErased))
            : Problems.NotFound("device", id);
    }

    private static async Task<Results<Accepted<CommandResponse>, ProblemHttpResult>> Switch(
        string id, SwitchRequest request, ClaimsPrincipal user, DeviceService devices, CancellationToken cancellationToken)
    {
        if (request.State is not { } state || !Enum.IsDefined(state))
        {
            return Problems.Validation("state", "state is required: on, off or toggle.");
        }
        var command = await devices.SwitchAsync(user.Caller().OrganizationId, id, state, cancellationToken);
        return command is null
            ? Problems.NotFound("device", id)
            : TypedResults.Accepted($"/v1/devices/{id}/commands/{command.Id}", command.ToResponse());
    }

    private static async Task<Results<Ok<Page<CommandResponse>>, ProblemHttpResult>> ListCommands(
        string id, ClaimsPrincipal user, ISmartApiStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "cmd", out var page, out var problem))
        {
            return problem!;
        }
        var organizationId = user.Caller().OrganizationId;
        if (await store.GetDeviceAsync(organizationId, id, cancellationToken) is null)
        {
            return Problems.NotFound("device", id);
        }
        var result = await store.ListCommandsAsync(organizationId, id, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, c => c.ToResponse(), c => c.Id));
    }

    private static async Task<Results<Ok<CommandResponse>, ProblemHttpResult>> GetCommand(
        string id, string commandId, ClaimsPrincipal user, ISmartApiStore store, CancellationToken cancellationToken) =>
        await store.GetCommandAsync(user.Caller().OrganizationId, id, commandId, cancellationToken) is { } command
            ? TypedResults.Ok(command.ToResponse())
            : Problems.NotFound("command", commandId);
}
