using System.Text.Json;

namespace SmartApi.Storage.Compliance;

public abstract class TransactionComplianceTests : StorageComplianceTests
{
    [Fact]
    public async Task Ping_MigratedStore_ReturnsTrue() => Assert.True(await Store.PingAsync(Token));

    [Fact]
    public async Task MigrateAsync_AgainOnMigratedStore_KeepsDataAndWrites()
    {
        var organization = await CreateOrganizationAsync();

        await Store.MigrateAsync(Token);
        var device = await CreateDeviceAsync(organization.Id);

        Assert.Equal(organization, await Store.GetOrganizationAsync(organization.Id, Token));
        Assert.NotNull(await Store.GetDeviceAsync(organization.Id, device.Id, Token));
    }

    [Fact]
    public async Task WriteAsync_Work_ReturnsItsResultAfterCommit()
    {
        var organization = await CreateOrganizationAsync();
        var device = NewDevice(organization.Id);

        var seen = await WriteAsync(async tx =>
        {
            await tx.InsertDeviceAsync(device);
            return await tx.GetDeviceAsync(organization.Id, device.Id);
        });

        Assert.Equal(device.Id, seen?.Id);
        Assert.NotNull(await Store.GetDeviceAsync(organization.Id, device.Id, Token));
    }

    [Fact]
    public async Task WriteAsync_WorkThrowsAfterWriting_RethrowsAndStoresNothing()
    {
        var organization = await CreateOrganizationAsync();
        var device = NewDevice(organization.Id);
        var newEvent = NewEvent(organization.Id, "device.created", device.Id);

        await Assert.ThrowsAsync<UnitFailedException>(() => WriteAsync<bool>(async tx =>
        {
            await tx.InsertDeviceAsync(device);
            await tx.AppendEventAsync(newEvent);
            throw new UnitFailedException();
        }));

        Assert.Null(await Store.GetDeviceAsync(organization.Id, device.Id, Token));
        Assert.Null(await Store.GetEventAsync(organization.Id, newEvent.Id, Token));
    }

    [Fact]
    public async Task WriteAsync_CancelledBeforeStart_ThrowsAndStoresNothing()
    {
        var organization = await CreateOrganizationAsync();
        var device = NewDevice(organization.Id);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteAsync(async tx =>
        {
            await tx.InsertDeviceAsync(device);
            return true;
        }, cancelled.Token));

        Assert.Null(await Store.GetDeviceAsync(organization.Id, device.Id, Token));
    }

    [Fact]
    public async Task WriteAsync_OneConcurrentUnitFails_OnlyThatUnitRollsBack()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        // A unit that waits holds the writer (or its own transaction) while the others queue up, so
        // a provider that groups commits puts the failing unit in the same batch as the good ones.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = WriteEventAsync(NewEvent(organization.Id, "device.online", device.Id), async _ => await gate.Task);
        var before = Enumerable.Range(0, 10).Select(_ => AppendAsync(NewEvent(organization.Id, "device.online", device.Id))).ToList();
        var doomedDevice = NewDevice(organization.Id);
        var doomedEvent = NewEvent(organization.Id, "device.offline", device.Id);
        var doomed = WriteAsync<bool>(async tx =>
        {
            await tx.InsertDeviceAsync(doomedDevice);
            await tx.AppendEventAsync(doomedEvent);
            await tx.TouchApiKeysAsync([], TimeSpan.Zero);
            throw new UnitFailedException();
        });
        var after = Enumerable.Range(0, 10).Select(_ => AppendAsync(NewEvent(organization.Id, "device.online", device.Id))).ToList();
        gate.SetResult();

        await Assert.ThrowsAsync<UnitFailedException>(() => doomed);
        var committed = (await Task.WhenAll(before.Append(gated).Concat(after))).OrderBy(e => e.Position).ToList();

        Assert.Null(await Store.GetDeviceAsync(organization.Id, doomedDevice.Id, Token));
        Assert.Null(await Store.GetEventAsync(organization.Id, doomedEvent.Id, Token));
        var listed = await ReadAllPagesAsync(a => Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(a, 7), Token), e => e.Id, 7);
        Assert.Equal(committed, listed);
        // The failed unit's sequence number was rolled back with it: the device still counts 1..21.
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), listed.Select(Sequence));
    }

    [Fact]
    public async Task AppendEvent_ConcurrentWriters_ProduceGapFreePositionsAndSequences()
    {
        const int Writers = 8, PerWriter = 200;
        var organization = await CreateOrganizationAsync();
        var devices = new List<Device>();
        for (var i = 0; i < 4; i++)
        {
            devices.Add(await CreateDeviceAsync(organization.Id));
        }

        var appended = (await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var mine = new List<StoredEvent>(PerWriter);
            for (var i = 0; i < PerWriter; i++)
            {
                mine.Add(await AppendAsync(NewEvent(organization.Id, "device.online", devices[(w + i) % devices.Count].Id)));
            }
            return mine;
        }, Token)))).SelectMany(e => e).OrderBy(e => e.Position).ToList();

        Assert.Equal(Writers * PerWriter, appended.Count);
        Assert.Equal(Enumerable.Range(0, appended.Count).Select(i => appended[0].Position + i), appended.Select(e => e.Position));
        foreach (var device in devices)
        {
            var sequences = appended.Where(e => e.DeviceId == device.Id).Select(Sequence).ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        }
    }

    [Fact]
    public async Task AppendEvent_ConcurrentUpdatesAndAppendsOfOneDevice_SequencesFollowPositions()
    {
        // Units that update the device (taking its next sequence for their event) and units that only
        // append, interleaved in whatever batches a provider makes: per device, the sequence must rise
        // with the position, with no gap and no repeat.
        const int Writers = 6, PerWriter = 40;
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                var newEvent = NewEvent(organization.Id, "device.updated", device.Id);
                if ((w + i) % 2 == 0)
                {
                    var name = $"w{w}-{i}";
                    await WriteAsync(async tx =>
                    {
                        await tx.UpdateDeviceAsync(device with { Name = name });
                        await tx.AppendEventAsync(newEvent);
                    });
                }
                else
                {
                    await WriteAsync(tx => tx.AppendEventAsync(newEvent));
                }
            }
        }, Token)));

        var listed = await ReadAllPagesAsync(a => Store.ListEventsAsync(organization.Id, new EventFilter(DeviceId: device.Id), new PageRequest(a, 100), Token), e => e.Id, 100);
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i), listed.Select(Sequence));
    }

    [Fact]
    public async Task ListEvents_ReaderPagingWhileWritersAppend_NeverSkipsOrRepeats()
    {
        const int Writers = 8, PerWriter = 200;
        var organization = await CreateOrganizationAsync();
        var writers = Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            var ids = new List<string>(PerWriter);
            for (var i = 0; i < PerWriter; i++)
            {
                ids.Add((await AppendAsync(NewEvent(organization.Id))).Id);
            }
            return ids;
        }, Token)));

        var read = new List<StoredEvent>();
        string? cursor = null;
        while (true)
        {
            // Sampled before the read: if the writers were done, this page sees every event.
            var writersDone = writers.IsCompleted;
            var page = await Store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(cursor, 37), Token);
            read.AddRange(page.Items);
            cursor = page.Items.Count > 0 ? page.Items[^1].Id : cursor;
            if (writersDone && !page.HasMore)
            {
                break;
            }
            if (page.Items.Count == 0)
            {
                await Task.Yield();
            }
        }

        var written = (await writers).SelectMany(ids => ids).ToHashSet();
        Assert.Equal(read.Count, read.Select(e => e.Id).Distinct().Count());
        Assert.Equal(written.Count, read.Count);
        Assert.True(written.SetEquals(read.Select(e => e.Id)));
        Assert.Equal(read.OrderBy(e => e.Position), read);
    }

    private static long Sequence(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.DataJson);
        return document.RootElement.GetProperty("sequence").GetInt64();
    }

    private sealed class UnitFailedException() : Exception("The unit of work failed on purpose.");
}
