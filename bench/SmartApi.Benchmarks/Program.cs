using BenchmarkDotNet.Running;
using SmartApi.Benchmarks;

// append: event append load on SQLite (target 20,000 events/s); read: device reads on SQLite;
// breakdown, ceiling: where an append's time goes (docs/benchmarks.md);
// micro: BenchmarkDotNet micro-benchmarks (BenchmarkSwitcher arguments follow, e.g. --filter '*');
// verify: webhook signature verification against bare HMAC and two peer libraries (BenchmarkDotNet);
// deliveries: end-to-end signed webhook delivery throughput and latency through the real server;
// mqtt: telemetry from N devices (a child process: mqtt-devices) through the embedded broker, persisted; commands: switch round trip
// (API -> device ack -> device.switched webhook); soak: memory over a long steady run (the server in a child process: soak-server);
// energy: a device-year of 1-minute samples and a fleet's month of rollups, timing local daily buckets on SQLite;
// export: measurement export rows/s (one device-year, CSV and Parquet) and the server's peak working set during a 10-million-row export;
// export-profile: where an export's time goes without HTTP (bare read, store read, CSV, Parquet) on SQLite and PostgreSQL;
// fold: how long a fold of the telemetry inboxes holds the SQLite writer (ADR 053);
// connections: N idle MQTT devices (a child process: connections-devices) against the server in a child process (connections-server):
// memory and CPU per idle device, memory after they leave, connect and reconnect-storm rates, MQTT 3.1.1 and 5;
// console: the web console's devices page in chromium under a fleet's state changes (devices in a child process: console-devices).
// A simulated fleet for demos is `smart simulate` (src/SmartApi.Cli).
// BENCH_TRACING=1 runs the server with tracing on, exporting over OTLP to a loopback sink (OtlpSink).
await using var sink = await OtlpSink.StartIfAskedAsync(args.FirstOrDefault());
return args switch
{
    ["append", .. var rest] => await AppendLoad.RunAsync(LoadOptions.Parse(rest)),
    ["read", .. var rest] => await ReadLoad.RunAsync(LoadOptions.Parse(rest)),
    ["breakdown", .. var rest] => await Breakdown.RunAsync(LoadOptions.Parse(rest)),
    ["ceiling", .. var rest] => await WriterCeiling.RunAsync(LoadOptions.Parse(rest)),
    ["micro", .. var rest] => RunMicro(rest),
    ["verify", .. var rest] => RunMicro(["--filter", "*" + nameof(WebhookVerifyBenchmarks) + "*", .. rest]),
    ["deliveries", .. var rest] => await DeliveryLoad.RunAsync(DeliveryLoadOptions.Parse(rest)),
    ["deliveries-receiver", .. var rest] => await DeliveryReceiver.ChildAsync(rest),
    ["mqtt", .. var rest] => await MqttLoad.TelemetryAsync(MqttLoadOptions.Parse(rest, new(Devices: 1000, Seconds: 10, Runs: 3, InFlight: 1, Commands: 0))),
    ["mqtt-devices", .. var rest] => await MqttFleet.ChildAsync(rest),
    ["soak", .. var rest] => await Soak.RunAsync(SoakOptions.Parse(rest)),
    ["soak-server", .. var rest] => await Soak.ServerAsync(rest),
    ["connections", .. var rest] => await Connections.RunAsync(ConnectionsOptions.Parse(rest)),
    ["connections-server", .. var rest] => await Connections.ServerAsync(rest),
    ["connections-devices", .. var rest] => await ConnectionsFleet.ChildAsync(rest),
    ["console", .. var rest] => await ConsoleLoad.RunAsync(ConsoleLoadOptions.Parse(rest)),
    ["console-devices", .. var rest] => await ConsoleFleet.ChildAsync(rest),
    ["energy", .. var rest] => await EnergyLoad.RunAsync(rest),
    ["export", .. var rest] => await ExportLoad.RunAsync(rest),
    ["export-profile", .. var rest] => await ExportProfile.RunAsync(rest),
    ["fold", .. var rest] => await FoldCost.RunAsync(rest),
    ["commands", .. var rest] => await MqttLoad.CommandsAsync(MqttLoadOptions.Parse(rest, new(Devices: 10, Seconds: 0, Runs: 3, InFlight: 1, Commands: 500))),
    _ => Usage(),
};

static int RunMicro(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadOptions).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SmartApi.Benchmarks append [--writers 32] [--seconds 10] [--devices 100] [--runs 3] [--batch 512] [--direct]
               SmartApi.Benchmarks read   [--readers 32] [--seconds 10] [--runs 3] [--devices 100]
               SmartApi.Benchmarks breakdown [--seconds 10] [--devices 100]
               SmartApi.Benchmarks ceiling   [--writers 32 (units per commit)] [--seconds 10] [--devices 100]
               SmartApi.Benchmarks micro  [BenchmarkDotNet arguments, default --filter '*']
               SmartApi.Benchmarks verify [more BenchmarkDotNet arguments]
               SmartApi.Benchmarks deliveries [--events 20000] [--rate 500] [--seconds 20] [--runs 3] [--no-verify] [--receiver-process] [--append-only] [--floor] [--stores sqlite,postgres,postgres2] [--postgres <connection string>]
               [--receivers 200 --dead 100 [--probe-interval 5]]  (circuit mode, SQLite)
               SmartApi.Benchmarks mqtt     [--devices 1000] [--seconds 10] [--runs 3] [--in-flight 1] [--client lean|full] [--in-process] [--warmup 30] [--watched 100] [--history-days 0]
               SmartApi.Benchmarks fold     [--devices 1000] [--samples 32768] [--history-days 3] [--runs 5]
               SmartApi.Benchmarks commands [--devices 10] [--commands 500] [--runs 3]
               SmartApi.Benchmarks energy   [--devices 1000]
               SmartApi.Benchmarks soak     [--minutes 30] [--devices 1000] [--rate 500] [--switchers 100] [--telemetry-seconds 10] [--sample-seconds 60]
               SmartApi.Benchmarks connections [--devices 19000] [--hold-seconds 30] [--concurrency 64] [--keep-alive 60] [--protocols 3.1.1,5] [--server-env KEY=VALUE]... [--data DIR] [--settle-seconds 40]
               SmartApi.Benchmarks export   [--rows 525600] [--big-rows 10000000] [--runs 3]
               SmartApi.Benchmarks export-profile [--rows 525600] [--runs 3] [--postgres <connection string>]
               SmartApi.Benchmarks console  [--devices 1000] [--rate 100] [--minutes 5] [--runs 3] [--probe-seconds 2] [--sample-seconds 30]
        """);
    return 2;
}
