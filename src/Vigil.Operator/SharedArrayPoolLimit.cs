namespace Vigil.Operator;

/// <summary>
/// Caps how many arrays of each size .NET's shared array pool keeps per core. By default it keeps up to 32, and after the
/// initial list of a large cluster (hundreds of informers decoding at once, each with read buffers of up to a few MiB)
/// it holds on to them: measured 65 MiB of a 143 MiB managed heap at 40,000 pods, more than the caches themselves
/// (docs/benchmarks.md, "Memory"). One per core keeps the reuse that matters (a steady stream of watch events) at a
/// fraction of the memory. The runtime reads the setting from the environment once, the first time the pool is used,
/// so it must be applied before anything else runs; a value already set in the environment wins.
/// </summary>
public static class SharedArrayPoolLimit
{
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    public const int ArraysPerCore = 1;

    public static void Apply()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Environment.SetEnvironmentVariable(Variable, ArraysPerCore.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
