using System.Globalization;
using BenchmarkDotNet.Running;

namespace Vigil.Bench.Client;

/// <summary>
/// Entry point of the client benchmarks: <c>client decode</c>, <c>client workqueue</c> (BenchmarkDotNet) and
/// <c>client informer-sync [pods] [full|stripped|metadata]</c> (one-shot measurement). Program.cs dispatches here when the first argument is
/// <c>client</c>.
/// </summary>
public static class ClientBenchmarks
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args.FirstOrDefault())
        {
            case "decode":
                BenchmarkRunner.Run<PodListDecodeBenchmarks>(args: args[1..]);
                return 0;
            case "decode-quick":
                PodListDecodeBenchmarks.Quick(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000, 5, Console.Out);
                return 0;
            case "workqueue":
                BenchmarkRunner.Run<WorkQueueBenchmarks>(args: args[1..]);
                return 0;
            case "informer-sync":
                var pods = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
                await InformerSyncMeasurement.RunAsync(pods, args.Length > 2 ? args[2] : "metadata", Console.Out);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: client decode|workqueue|informer-sync [pods] [full|stripped|metadata]");
                return 2;
        }
    }
}
