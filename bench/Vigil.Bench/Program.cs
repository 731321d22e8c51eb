using Vigil.Bench.Cluster;

// Each benchmark area is a sub-command: `cluster` (the simulated API server), room for `client` and others.
var command = args.Length > 0 ? args[0] : "";
var rest = args.Length > 1 ? args[1..] : [];
switch (command)
{
    case "cluster":
        return await ClusterBenchmark.RunAsync(rest);
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Vigil.Bench -- <area> [options]");
        Console.Error.WriteLine("areas:");
        Console.Error.WriteLine("  cluster   simulated API server: paged list, watch fan-out, write-to-watch latency, memory per pod");
        Console.Error.WriteLine("            (cluster --help for its options)");
        return command is "" or "--help" or "-h" ? 0 : 2;
}
