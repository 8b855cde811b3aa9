using System.Globalization;
using System.Text;
using System.Text.Json;
using SmartApi.Simulator;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary>
/// What <c>smart simulate</c> shows while the fleet runs: a live table on an interactive terminal,
/// else a summary line every <see cref="SummaryPeriod"/> (one JSON object per line with --json),
/// and a last summary when it stops.
/// </summary>
internal static class SimulationView
{
    /// <summary>How often the view reads the fleet; fast enough to see each device's sample (the power estimate needs that).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan SummaryPeriod = TimeSpan.FromSeconds(10);

    /// <summary>A live table of more rows than this would scroll; the rest is summed up in the caption.</summary>
    private const int MaxRows = 25;

    public static async Task ShowAsync(CliContext context, DeviceSimulator fleet, SimulatorOptions options, Task run, CancellationToken ct)
    {
        var power = new PowerEstimate(fleet, options.TelemetryInterval);
        var time = context.Host.Time;
        if (!context.Json && context.Console.Profile.Capabilities.Interactive)
        {
            await context.Console.Live(Table(fleet, power)).AutoClear(false).StartAsync(async live =>
            {
                while (await WaitAsync(run, time, ct))
                {
                    power.Update();
                    live.UpdateTarget(Table(fleet, power));
                }
            });
        }
        else
        {
            var next = time.GetUtcNow() + SummaryPeriod;
            while (await WaitAsync(run, time, ct))
            {
                power.Update();
                if (time.GetUtcNow() >= next)
                {
                    next += SummaryPeriod;
                    await WriteSummaryAsync(context, fleet, power, final: false);
                }
            }
        }
        await WriteSummaryAsync(context, fleet, power, final: true);
    }

    /// <summary>Waits one poll; false once the fleet has stopped (Ctrl+C).</summary>
    private static async Task<bool> WaitAsync(Task run, TimeProvider time, CancellationToken ct)
    {
        if (run.IsCompleted || ct.IsCancellationRequested)
        {
            return false;
        }
        await Task.WhenAny(run, Task.Delay(Poll, time, CancellationToken.None));
        return !run.IsCompleted && !ct.IsCancellationRequested;
    }

    private static Table Table(DeviceSimulator fleet, PowerEstimate power)
    {
        var table = Tables.Create("Serial", "Appliance", "MQTT", "Switch", "Power", "Energy", "Samples", "Commands");
        // A serial is copied from here into other commands: never wrapped, like the ids of other tables.
        table.Columns[0].NoWrap();
        table.Columns[1].NoWrap();
        foreach (var device in fleet.Devices.Take(MaxRows))
        {
            table.AddRow(Markup.Escape(device.Serial), device.Profile.ToString(), device.IsConnected ? "[green]online[/]" : "[red]offline[/]",
                device.IsOn ? "on" : "off", Watts(power.Of(device)), $"{device.EnergyWh:0.0#} Wh",
                device.TelemetrySent.ToString("N0", CultureInfo.InvariantCulture), device.CommandsHandled.ToString(CultureInfo.InvariantCulture));
        }
        var hidden = fleet.Devices.Count - MaxRows;
        table.Caption(Markup.Escape((hidden > 0 ? $"and {hidden} more; " : "") + Summary(fleet, power) + ". Ctrl+C stops."));
        return table;
    }

    private static async Task WriteSummaryAsync(CliContext context, DeviceSimulator fleet, PowerEstimate power, bool final)
    {
        if (context.Json)
        {
            await context.Host.Out.WriteLineAsync(Json(fleet, power, context.Host.Time.GetUtcNow(), final));
        }
        else
        {
            await context.Host.Out.WriteLineAsync($"{CliContext.Time(context.Host.Time.GetUtcNow())}  {(final ? "stopped: " : "")}{Summary(fleet, power)}");
        }
        await context.Host.Out.FlushAsync();
    }

    private static string Summary(DeviceSimulator fleet, PowerEstimate power) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{fleet.Devices.Count(d => d.IsConnected)}/{fleet.Devices.Count} online, {fleet.Devices.Count(d => d.IsOn)} on, "
            + $"{Watts(fleet.Devices.Sum(power.Of))} total, {fleet.TelemetrySent:N0} samples sent, {fleet.Devices.Sum(d => d.CommandsHandled)} commands obeyed");

    private static string Watts(double watts) => string.Create(CultureInfo.InvariantCulture, $"{watts:0.#} W");

    /// <summary>One line for scripts: the fleet's totals and each device's state.</summary>
    private static string Json(DeviceSimulator fleet, PowerEstimate power, DateTimeOffset now, bool final)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", now);
            json.WriteBoolean("stopped", final);
            json.WriteNumber("online", fleet.Devices.Count(d => d.IsConnected));
            json.WriteNumber("telemetrySent", fleet.TelemetrySent);
            json.WriteNumber("commandsHandled", fleet.Devices.Sum(d => d.CommandsHandled));
            json.WriteStartArray("devices");
            foreach (var device in fleet.Devices)
            {
                json.WriteStartObject();
                json.WriteString("serial", device.Serial);
                json.WriteString("appliance", JsonNamingPolicy.CamelCase.ConvertName(device.Profile.ToString()));
                json.WriteBoolean("online", device.IsConnected);
                json.WriteString("switch", device.IsOn ? "on" : "off");
                json.WriteNumber("powerW", Math.Round(power.Of(device), 1));
                json.WriteNumber("energyWh", Math.Round(device.EnergyWh, 3));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Each device's power, from the growth of its energy counter: the simulator adds power × time at
    /// every sample, so one sample's growth over the interval is the power it reported.
    /// </summary>
    private sealed class PowerEstimate(DeviceSimulator fleet, TimeSpan interval)
    {
        private readonly Dictionary<SimulatedDevice, (double EnergyWh, double PowerW)> _last = [];

        public void Update()
        {
            foreach (var device in fleet.Devices)
            {
                var energy = device.EnergyWh;
                if (!_last.TryGetValue(device, out var last))
                {
                    _last[device] = (energy, 0);
                }
                else if (energy != last.EnergyWh)
                {
                    _last[device] = (energy, (energy - last.EnergyWh) * 3600 / interval.TotalSeconds);
                }
            }
        }

        public double Of(SimulatedDevice device) => device.IsOn && _last.TryGetValue(device, out var last) ? last.PowerW : 0;
    }
}
