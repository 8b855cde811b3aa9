using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Devices;

/// <summary>
/// Bulk switching (ADR 036): <c>POST /v1/devices/switch</c> stores one command per selected device
/// in one unit of work; <c>GET /v1/command-batches/{batchId}</c> reads their statuses back. The
/// commands are the ones a single switch stores, so the gateway delivers them the same way.
/// </summary>
internal static class BulkSwitchApi
{
    /// <summary>
    /// The batch is its own resource, <c>/v1/command-batches</c>: under <c>/v1/devices/switch/{batchId}</c>
    /// its path would be ambiguous with <c>/v1/devices/{id}/commands</c> (two matching templates).
    /// </summary>
    public static RouteGroupBuilder MapBulkSwitch(this RouteGroupBuilder devices, IEndpointRouteBuilder routes)
    {
        devices.MapGroup("").RequireScope(Scopes.DevicesWrite)
            .MapPost("/switch", SwitchMany).WithName("SwitchDevices")
            .WithSummary("Switch every device with a tag, or a list of devices, on, off or toggle them; one command per device, in one batch.");
        routes.MapGroup("/v1/command-batches").WithTags("Devices").RequireScope(Scopes.DevicesRead)
            .MapGet("/{batchId}", GetBatch).WithName("GetCommandBatch")
            .WithSummary("Get the commands of a bulk switch (or of a tag-targeted automation action) with their current status.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return devices;
    }

    /// <remarks>
    /// 202 with the batch when devices were selected. A tag that matches no device is 200 with
    /// <c>batchId</c> null and no commands (nothing to follow). An id that is not one of the
    /// organization's devices is a 400 naming it, and no device is switched.
    /// </remarks>
    private static async Task<Results<Accepted<SwitchBatchResponse>, Ok<SwitchBatchResponse>, ProblemHttpResult>> SwitchMany(
        BulkSwitchRequest request, ClaimsPrincipal user, DeviceService devices, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.State is not { } state || !Enum.IsDefined(state))
        {
            errors.Add("state", "state is required: on, off or toggle.");
            state = default;
        }
        var tag = request.Tag is null ? null : DeviceValidation.Tag(request.Tag, "tag", errors);
        ValidateDeviceIds(request.DeviceIds, errors);
        if ((request.Tag is null) == (request.DeviceIds is null))
        {
            errors.Add(request.Tag is null ? "tag" : "deviceIds", "Send exactly one selector: tag or deviceIds.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var outcome = await devices.SwitchManyAsync(user.Caller().OrganizationId, state, tag, request.DeviceIds, cancellationToken);
        if (outcome.TooManyDevices)
        {
            return Problems.Validation("tag", $"The tag {tag} matches more than {DeviceService.MaxBatchDevices} devices; select fewer (a narrower tag, or deviceIds).");
        }
        if (outcome.UnknownIds.Count > 0)
        {
            var unknown = outcome.UnknownIds.ToHashSet(StringComparer.Ordinal);
            foreach (var (id, index) in request.DeviceIds!.Select((id, index) => (id, index)).Where(d => unknown.Contains(d.id)))
            {
                errors.Add($"deviceIds[{index}]", $"No device with id '{id}' exists.");
            }
            return errors.ToProblem();
        }
        var response = outcome.Commands.ToBatchResponse(state);
        return response.BatchId is { } batchId
            ? TypedResults.Accepted($"/v1/command-batches/{batchId}", response)
            : TypedResults.Ok(response);
    }

    private static void ValidateDeviceIds(IReadOnlyList<string>? deviceIds, ValidationErrors errors)
    {
        if (deviceIds is null)
        {
            return;
        }
        if (deviceIds.Count is 0 or > DeviceService.MaxBatchDevices)
        {
            errors.Add("deviceIds", $"deviceIds must hold 1-{DeviceService.MaxBatchDevices} device ids.");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < deviceIds.Count; i++)
        {
            if (!IdGenerator.IsWellFormed(deviceIds[i], "dev"))
            {
                errors.Add($"deviceIds[{i}]", $"No device with id '{deviceIds[i]}' exists.");
            }
            else if (!seen.Add(deviceIds[i]))
            {
                errors.Add($"deviceIds[{i}]", $"'{deviceIds[i]}' is listed twice.");
            }
        }
    }

    /// <param name="batchId">The <c>batchId</c> a bulk switch answered.</param>
    private static async Task<Results<Ok<SwitchBatchResponse>, ProblemHttpResult>> GetBatch(
        string batchId, ClaimsPrincipal user, ICommandStore store, CancellationToken cancellationToken)
    {
        var commands = IdGenerator.IsWellFormed(batchId, "cmb")
            ? await store.ListBatchCommandsAsync(user.Caller().OrganizationId, batchId, cancellationToken)
            : [];
        return commands.Count == 0
            ? Problems.NotFound("command batch", batchId)
            : TypedResults.Ok(commands.ToBatchResponse(DeviceMapping.ParseAction(commands[0].State)));
    }
}
