using System.Diagnostics;

namespace Vigil.Kubernetes.Tests.Fixtures;

/// <summary>Waits on conditions, polling briefly, up to a timeout: never a fixed sleep.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            if (elapsed.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException($"Condition not met within {timeout ?? DefaultTimeout}{(because is null ? string.Empty : ": " + because)}.");
            }

            await Task.Delay(PollInterval);
        }
    }
}
