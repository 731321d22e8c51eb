using Vigil.Bench.Cluster;

// As `vigil run` does, before anything uses the shared array pool: the memory and e2e benchmarks measure the operator's
// setting (e2e's process hosts the simulated cluster too).
if (args.FirstOrDefault() is "memory-pipeline" or "e2e") Vigil.Operator.SharedArrayPoolLimit.Apply();

// Each benchmark area is a sub-command: `cluster` (the simulated API server), `client`, `cel`,
// `pipeline` (detection to delivery in one process), `e2e` (the same over HTTPS against a simulated cluster).
var command = args.Length > 0 ? args[0] : "";
var rest = args.Length > 1 ? args[1..] : [];
switch (command)
{
    case "cluster":
        return await ClusterBenchmark.RunAsync(rest);
    case "client":
        return await Vigil.Bench.Client.ClientBenchmarks.RunAsync(rest);
    case "scale": return await Vigil.Bench.Scale.ScaleBenchmark.RunAsync(rest);
    case "cel":
        return Vigil.Bench.Cel.CelBenchmarks.Run(rest);
    case "pipeline":
        return await Vigil.Bench.Pipeline.PipelineBenchmark.RunAsync(rest);
    case "e2e":
        return await Vigil.Bench.Pipeline.EndToEndBenchmark.RunAsync(rest);
    case "sharding":
        return await Vigil.Bench.Sharding.ShardingBenchmark.RunAsync(rest);
    case "memory":
        return await Vigil.Bench.Memory.MemoryBenchmark.RunAsync(rest);
    case "memory-pipeline":
        // The child process `memory` measures; not for direct use.
        return await Vigil.Bench.Memory.MemoryPipelineChild.RunAsync(rest);
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Vigil.Bench -- <area> [options]");
        Console.Error.WriteLine("areas:");
        Console.Error.WriteLine("  cluster   simulated API server: paged list, watch fan-out, write-to-watch latency, memory per pod");
        Console.Error.WriteLine("            (cluster --help for its options)");
        Console.Error.WriteLine("  client    the client: decode | decode-quick | workqueue | informer-sync [pods] full|stripped|metadata");
        Console.Error.WriteLine("  cel       CEL evaluation of a detector condition (--quick for a plain loop, otherwise BenchmarkDotNet)");
        Console.Error.WriteLine("  pipeline  in-process: object updates/s through detectors, correlator, rules analyzer and dispatcher; memory per pod");
        Console.Error.WriteLine("  e2e       over HTTPS: faults written to a simulated cluster -> watch -> diagnosis -> Event written back; latency");
        Console.Error.WriteLine("  memory    one replica's memory (managed heap, RSS) by cluster size: full objects, projections, compact projections,");
        Console.Error.WriteLine("            fitted to base + per namespace + per pod");
        Console.Error.WriteLine("  sharding  `vigil run` processes splitting namespaces: rebalance when a replica joins or leaves, leader failover");
        Console.Error.WriteLine("            (pipeline --help, e2e --help, memory --help, sharding --help for their options)");
        return command is "" or "--help" or "-h" ? 0 : 2;
}
