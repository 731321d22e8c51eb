using Vigil.Bench.Cluster;

// Each benchmark area is a sub-command: `cluster` (the simulated API server), `client`, `cel`.
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
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Vigil.Bench -- <area> [options]");
        Console.Error.WriteLine("areas:");
        Console.Error.WriteLine("  cluster   simulated API server: paged list, watch fan-out, write-to-watch latency, memory per pod");
        Console.Error.WriteLine("            (cluster --help for its options)");
        Console.Error.WriteLine("  client    the client: decode | decode-quick | workqueue | informer-sync [pods] full|stripped|metadata");
        Console.Error.WriteLine("  cel       CEL evaluation of a detector condition (--quick for a plain loop, otherwise BenchmarkDotNet)");
        return command is "" or "--help" or "-h" ? 0 : 2;
}
