using System.CommandLine;
using Vigil.Cli.Commands;

var root = new RootCommand("Vigil: a Kubernetes reliability platform. Watches a cluster, detects faults, diagnoses them, and (in later releases) remediates them.")
{
    ClusterCommand.Create(),
    CelCommand.Create(),
    RunCommand.Create(),
    DemoCommand.Create(),
    InstallCommand.Create(),
    SinkCommand.Create(),
    EvalCommand.Create(),
};
// Ctrl-C and SIGTERM cancel the running command; it then has this long to stop cleanly (drain the pipeline, stop the
// cluster) before the process is ended with 130/143. System.CommandLine's default of 2 s is too short for a drain.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
