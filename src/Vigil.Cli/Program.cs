using System.CommandLine;
using Vigil.Cli.Commands;

// The operator's memory (see SharedArrayPoolLimit): first, before anything uses the shared array pool. Not for the
// simulated cluster and the other commands, whose throughput relies on the pool's reuse.
if (args.FirstOrDefault() == "run") Vigil.Operator.SharedArrayPoolLimit.Apply();

var root = new RootCommand("Vigil: a Kubernetes reliability platform. Watches a cluster, detects faults, diagnoses them, and (in later releases) remediates them.")
{
    ClusterCommand.Create(),
    CelCommand.Create(),
    RunCommand.Create(),
    DemoCommand.Create(),
    InstallCommand.Create(),
    SinkCommand.Create(),
    EvalCommand.Create(),
    StatusCommand.Create(),
};
// Ctrl-C and SIGTERM cancel the running command; it then has this long to stop cleanly (drain the pipeline, stop the
// cluster) before the process is ended with 130/143. System.CommandLine's default of 2 s is too short for a drain.
var parsed = root.Parse(args);
var exit = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
// A usage error (unknown option, bad value) exits 2, as every command's help says; System.CommandLine's default is 1,
// which `vigil status` and `vigil sink test` use for "needs attention" / "not delivered".
return parsed.Errors.Count > 0 ? 2 : exit;
