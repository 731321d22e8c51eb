using BenchmarkDotNet.Attributes;
using Vigil.Kubernetes.WorkQueues;

namespace Vigil.Bench.Client;

/// <summary>Work queue throughput: add N distinct keys, drain them with W workers (Get, Done).</summary>
[MemoryDiagnoser]
public class WorkQueueBenchmarks
{
    private string[] _keys = [];

    [Params(100_000)]
    public int Items { get; set; }

    [Params(1, 4)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup() => _keys = [.. Enumerable.Range(0, Items).Select(i => $"ns/object-{i}")];

    [Benchmark]
    public async Task AddGetDone()
    {
        using var queue = new WorkQueue<string>(new WorkQueueOptions<string> { Name = "bench" });
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shutdown) = await queue.GetAsync();
                if (shutdown)
                {
                    return;
                }

                queue.Done(key);
            }
        })).ToArray();
        foreach (var key in _keys)
        {
            queue.Add(key);
        }

        await queue.ShutDownWithDrainAsync();
        await Task.WhenAll(workers);
    }

    [Benchmark]
    public void AddDuplicatesWhileQueued()
    {
        using var queue = new WorkQueue<string>(new WorkQueueOptions<string> { Name = "bench" });
        for (var round = 0; round < 3; round++)
        {
            foreach (var key in _keys)
            {
                queue.Add(key);
            }
        }
    }
}
