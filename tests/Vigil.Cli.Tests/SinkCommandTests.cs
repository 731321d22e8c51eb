using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Cli.Tests.Support;

namespace Vigil.Cli.Tests;

/// <summary>`vigil sink test` builds a Sink resource as the operator would and sends a synthetic diagnosis through it.</summary>
public sealed class SinkCommandTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-cli-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _received = new();
    private SimulatedCluster _cluster = null!;
    private WebApplication _receiver = null!;
    private string Kubeconfig => Path.Combine(_dir, "kubeconfig");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            _received.Enqueue(await reader.ReadToEndAsync());
            ctx.Response.StatusCode = ctx.Request.Path == "/broken" ? 500 : 200;
        });
        await _receiver.StartAsync();
        _cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        _cluster.WriteKubeconfig(Kubeconfig);
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "Vigil.slnx"))) repo = repo.Parent!;
        foreach (var crd in Directory.EnumerateFiles(Path.Combine(repo.FullName, "deploy", "crds"), "*.yaml")) _cluster.Apply(await File.ReadAllTextAsync(crd));
        _cluster.Apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: vigil-system}\n");
    }

    private void Sink(string name, string path, string severityFilter = "[critical, warning]") => _cluster.Apply($$$"""
        apiVersion: vigil.io/v1alpha1
        kind: Sink
        metadata: {name: {{{name}}}, namespace: vigil-system}
        spec:
          type: webhook
          severityFilter: {{{severityFilter}}}
          webhook:
            url: "{{{_receiver.Urls.First()}}}{{{path}}}"
            allowInsecureHttp: true
            allowedHosts: ["127.0.0.1"]
            bodyTemplate: '{"text": "{{rootCause}}"}'
        """);

    [Fact]
    public async Task A_working_sink_receives_the_rendered_test_diagnosis()
    {
        Sink("chat", "/hook");
        var (code, stdout, stderr) = await Vigil("sink", "test", "chat", "--kubeconfig", Kubeconfig);
        code.ShouldBe(0, stderr);
        stdout.ShouldContain("delivered a test diagnosis through sink vigil-system/chat");
        JsonNode.Parse(_received.Single())!["text"]!.GetValue<string>().ShouldContain("test diagnosis sent by `vigil sink test`");
    }

    [Fact]
    public async Task Failures_and_filters_are_reported_with_exit_code_1()
    {
        Sink("broken", "/broken");
        var (code, _, stderr) = await Vigil("sink", "test", "broken", "--kubeconfig", Kubeconfig);
        code.ShouldBe(1);
        stderr.ShouldContain("did not deliver");
        stderr.ShouldContain("answered 500");

        Sink("pager", "/hook", "[critical]");
        (code, _, stderr) = await Vigil("sink", "test", "pager", "--kubeconfig", Kubeconfig, "--severity", "warning");
        code.ShouldBe(1);
        stderr.ShouldContain("only delivers critical and above");

        (code, _, stderr) = await Vigil("sink", "test", "nope", "--kubeconfig", Kubeconfig);
        code.ShouldBe(1);
        stderr.ShouldContain("sink vigil-system/nope not found");
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Vigil(params string[] args) => VigilCli.RunAsync(null, args);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
