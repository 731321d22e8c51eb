using System.CommandLine;

var root = new RootCommand("Vigil: a Kubernetes reliability platform.");
return await root.Parse(args).InvokeAsync();
