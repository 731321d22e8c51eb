using System.CommandLine;
using Vigil.Cli.Commands;

var root = new RootCommand("Vigil: a Kubernetes reliability platform. Watches a cluster, detects faults, diagnoses them, and (in later releases) remediates them.")
{
    ClusterCommand.Create(),
    CelCommand.Create(),
    EvalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
