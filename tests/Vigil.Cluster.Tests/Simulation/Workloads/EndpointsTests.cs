using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>Endpoints for Services, and the default ServiceAccount of every namespace.</summary>
public sealed class EndpointsTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    [Fact]
    public async Task Endpoints_list_ready_pods_by_resolved_port_and_not_ready_ones_apart()
    {
        var ns = await Namespace("svc");
        await Apply(ns, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              replicas: 2
              selector:
                matchLabels: {app: api}
              template:
                metadata:
                  labels: {app: api}
                spec:
                  containers:
                  - name: api
                    image: example/api:1
                    ports:
                    - {name: http, containerPort: 8080}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: api
              labels: {app: api}
            spec:
              selector: {app: api}
              ports:
              - {name: web, port: 80, targetPort: http}
            """);
        var ep = await WaitFor($"/api/v1/namespaces/{ns}/endpoints/api",
            o => o["subsets"]?[0]?["addresses"] is JsonArray { Count: 2 }, "two ready addresses");
        Str(ep["metadata"]!["labels"], "app").ShouldBe("api");
        var subset = ep["subsets"]![0]!;
        Str(subset["ports"]![0], "name").ShouldBe("web");
        Int(subset["ports"]![0]!["port"]).ShouldBe(8080);
        Str(subset["ports"]![0], "protocol").ShouldBe("TCP");
        var pods = await Pods(ns);
        foreach (var address in subset["addresses"]!.AsArray())
        {
            var pod = pods.Single(p => Name(p) == Str(address!["targetRef"], "name"));
            Str(address, "ip").ShouldBe(Str(pod["status"], "podIP"));
            Str(address, "nodeName").ShouldBe(Str(pod["spec"], "nodeName"));
            Str(address!["targetRef"], "kind").ShouldBe("Pod");
        }
        (await Kubectl.Run("get", "endpoints", "api", "-n", ns)).Succeeded().Stdout.ShouldContain(":8080");

        var notReady = Name(pods[0]);
        await SetReady(ns, notReady, false);
        ep = await WaitFor($"/api/v1/namespaces/{ns}/endpoints/api", o => o["subsets"]?[0]?["notReadyAddresses"] is JsonArray { Count: 1 }, "one not ready");
        Str(ep["subsets"]![0]!["notReadyAddresses"]![0]!["targetRef"], "name").ShouldBe(notReady);
        ep["subsets"]![0]!["addresses"]!.AsArray().Count.ShouldBe(1);

        (await Kubectl.Run("scale", "deployment/api", "--replicas=0", "-n", ns)).Succeeded();
        await WaitFor($"/api/v1/namespaces/{ns}/endpoints/api", o => o["subsets"] is null, "no endpoints left");
        (await Kubectl.Run("delete", "service", "api", "-n", ns)).Succeeded();
        await Vigil.Cluster.Tests.Support.Eventually.True(async () => await Get($"/api/v1/namespaces/{ns}/endpoints/api") is null, Timeout, "endpoints removed with the service");
    }

    [Fact]
    public async Task Every_namespace_gets_a_default_service_account()
    {
        (await Get("/api/v1/namespaces/default/serviceaccounts/default")).ShouldNotBeNull();
        var ns = await Namespace("sa");
        await WaitFor($"/api/v1/namespaces/{ns}/serviceaccounts/default", _ => true, "default service account");
        (await Kubectl.Run("delete", "serviceaccount", "default", "-n", ns)).Succeeded();
        await WaitFor($"/api/v1/namespaces/{ns}/serviceaccounts/default", _ => true, "recreated");
    }
}
