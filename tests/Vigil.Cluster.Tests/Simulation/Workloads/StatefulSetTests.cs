using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>StatefulSets: ordered creation, stable names, claims from templates, reverse scale-down and rolling update.</summary>
public sealed class StatefulSetTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Db(string image, int replicas, string annotations = "{}", string policy = "OrderedReady") => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: db
        spec:
          clusterIP: None
          selector: {app: db}
          ports:
          - port: 5432
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          replicas: {{replicas}}
          podManagementPolicy: {{policy}}
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
              annotations: {{annotations}}
            spec:
              containers:
              - name: postgres
                image: {{image}}
                volumeMounts:
                - {name: data, mountPath: /var/lib/postgresql}
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 1Gi}
        """;

    [Fact]
    public async Task Pods_are_created_one_at_a_time_in_order_with_their_claims()
    {
        var ns = await Namespace("sts");
        await Apply(ns, Db("postgres:16", 3, """{"sim.vigil.io/ready": "false"}"""));
        // db-0 runs but never becomes ready: OrderedReady does not start db-1.
        await WaitFor($"/api/v1/namespaces/{ns}/pods/db-0", p => Str(p["status"], "phase") == "Running", "db-0 running");
        await StaysTrue(async () => await Get($"/api/v1/namespaces/{ns}/pods/db-1") is null, TimeSpan.FromSeconds(1), "db-1 not created while db-0 is not ready");
        var sts = (await Get($"/apis/apps/v1/namespaces/{ns}/statefulsets/db"))!;
        Int(sts["status"]!["replicas"]).ShouldBe(1);
        sts["status"]!["readyReplicas"].ShouldBeNull();

        // Once db-0 is ready, db-1 follows, then db-2.
        await SetReady(ns, "db-0", true);
        await WaitFor($"/api/v1/namespaces/{ns}/pods/db-1", p => Str(p["status"], "phase") == "Running", "db-1 running");
        await StaysTrue(async () => await Get($"/api/v1/namespaces/{ns}/pods/db-2") is null, TimeSpan.FromSeconds(0.5), "db-2 waits for db-1");
        await SetReady(ns, "db-1", true);
        await WaitFor($"/api/v1/namespaces/{ns}/pods/db-2", p => Str(p["status"], "phase") == "Running", "db-2 running");
        await SetReady(ns, "db-2", true);
        sts = await WaitFor($"/apis/apps/v1/namespaces/{ns}/statefulsets/db", o => Int(o["status"]?["readyReplicas"]) == 3, "3 ready");
        Int(sts["status"]!["availableReplicas"]).ShouldBe(3);
        Int(sts["status"]!["currentReplicas"]).ShouldBe(3);
        Str(sts["status"], "currentRevision").ShouldBe(Str(sts["status"], "updateRevision"));
        Str(sts["status"], "currentRevision")!.ShouldStartWith("db-");

        for (var i = 0; i < 3; i++)
        {
            var pod = (await Get($"/api/v1/namespaces/{ns}/pods/db-{i}"))!;
            Str(pod["metadata"]!["labels"], "statefulset.kubernetes.io/pod-name").ShouldBe($"db-{i}");
            Str(pod["metadata"]!["labels"], "apps.kubernetes.io/pod-index").ShouldBe($"{i}");
            Str(pod["metadata"]!["labels"], "controller-revision-hash").ShouldBe(Str(sts["status"], "currentRevision"));
            Str(pod["spec"], "hostname").ShouldBe($"db-{i}");
            Str(pod["spec"], "subdomain").ShouldBe("db");
            Str(pod["spec"]!["volumes"]![0]!["persistentVolumeClaim"], "claimName").ShouldBe($"data-db-{i}");
            var pvc = await WaitFor($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-db-{i}", c => Str(c["status"], "phase") == "Bound", $"data-db-{i} bound");
            Str(pvc["metadata"]!["labels"], "app").ShouldBe("db");
            await WaitForEvent(ns, "db", "SuccessfulCreate", $"create Claim data-db-{i} Pod db-{i} in StatefulSet db success");
            await WaitForEvent(ns, "db", "SuccessfulCreate", $"create Pod db-{i} in StatefulSet db successful");
        }
        var revisions = await List($"/apis/apps/v1/namespaces/{ns}/controllerrevisions");
        revisions.Count.ShouldBe(1);
        Name(revisions[0]).ShouldBe(Str(sts["status"], "currentRevision"));
    }

    [Fact]
    public async Task Scale_down_and_rolling_update_go_from_the_highest_ordinal()
    {
        var ns = await Namespace("stsroll");
        await Apply(ns, Db("postgres:16", 3));
        (await Kubectl.Run("rollout", "status", "statefulset/db", "-n", ns, "--timeout=30s")).Succeeded();
        var before = (await Get($"/apis/apps/v1/namespaces/{ns}/statefulsets/db"))!;

        (await Kubectl.Run("set", "image", "statefulset/db", "postgres=postgres:17", "-n", ns)).Succeeded();
        var status = (await Kubectl.Run("rollout", "status", "statefulset/db", "-n", ns, "--timeout=30s")).Succeeded();
        // The apiserver defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll-out, as on a real cluster.
        status.Stdout.ShouldContain("partitioned roll out complete: 3 new pods have been updated...");
        var after = await WaitFor($"/apis/apps/v1/namespaces/{ns}/statefulsets/db",
            o => Str(o["status"], "currentRevision") == Str(o["status"], "updateRevision") && Int(o["status"]?["updatedReplicas"]) == 3, "update complete");
        Str(after["status"], "updateRevision").ShouldNotBe(Str(before["status"], "updateRevision"));
        var deletes = (await Events(ns, "db")).Where(e => Str(e, "reason") == "SuccessfulDelete").OrderBy(e => Str(e["metadata"], "name"), StringComparer.Ordinal)
            .Select(e => Str(e, "message")).ToList();
        deletes.ShouldBe(["delete Pod db-2 in StatefulSet db successful", "delete Pod db-1 in StatefulSet db successful", "delete Pod db-0 in StatefulSet db successful"]);
        (await List($"/apis/apps/v1/namespaces/{ns}/controllerrevisions")).Count.ShouldBe(2);
        var history = (await Kubectl.Run("rollout", "history", "statefulset/db", "-n", ns)).Succeeded().Stdout;
        history.ShouldContain("1 ");
        history.ShouldContain("2 ");

        // kubectl rollout undo applies the previous ControllerRevision back to the set.
        (await Kubectl.Run("rollout", "undo", "statefulset/db", "-n", ns)).Succeeded().Stdout.ShouldContain("rolled back");
        (await Kubectl.Run("rollout", "status", "statefulset/db", "-n", ns, "--timeout=30s")).Succeeded();
        var undone = await WaitFor($"/apis/apps/v1/namespaces/{ns}/statefulsets/db",
            o => Str(o["status"], "updateRevision") == Str(before["status"], "updateRevision") && Str(o["status"], "currentRevision") == Str(o["status"], "updateRevision"), "back at revision 1's template");
        Str(undone["spec"]!["template"]!["spec"]!["containers"]![0], "image").ShouldBe("postgres:16");
        var reused = (await Get($"/apis/apps/v1/namespaces/{ns}/controllerrevisions/{Str(before["status"], "updateRevision")}"))!;
        Int(reused["revision"]).ShouldBe(3);

        var (_, list) = await Fx.Http.Get($"/api/v1/namespaces/{ns}/pods");
        var rv = Str(list!["metadata"], "resourceVersion");
        await using var watch = await WatchStream.Open(Fx.Http, $"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={rv}");
        (await Kubectl.Run("scale", "statefulset/db", "--replicas=1", "-n", ns)).Succeeded();
        var deleted = new List<string>();
        while (deleted.Count < 2)
        {
            var e = await watch.Next() ?? throw new InvalidOperationException("watch ended");
            if (e.Type() == "DELETED") deleted.Add(e.Name());
        }
        deleted.ShouldBe(["db-2", "db-1"]);
        (await Pods(ns)).Select(Name).ShouldBe(["db-0"]);
        // Claims stay after scale-down (retention policy Retain).
        (await List($"/api/v1/namespaces/{ns}/persistentvolumeclaims")).Count.ShouldBe(3);
    }

    [Fact]
    public async Task Parallel_management_creates_every_pod_at_once()
    {
        var ns = await Namespace("stspar");
        await Apply(ns, Db("postgres:16", 3, """{"sim.vigil.io/ready": "false"}""", "Parallel"));
        var pods = await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 3, "three pods though none is ready");
        pods.Select(Name).Order().ShouldBe(["db-0", "db-1", "db-2"]);
    }
}
