using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>Ordinary pods, applied with kubectl, scheduled and run by the simulated kubelets.</summary>
public sealed class PodLifecycleTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    [Fact]
    public async Task A_pod_is_scheduled_pulled_started_and_becomes_ready()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
            """);
        var pod = await fx.WaitPod("default", "web", p => p.Phase() == "Running" && p.IsReady(), "Running and Ready");
        pod.NodeName().ShouldStartWith("node-");
        pod.ConditionStatus("PodScheduled").ShouldBe("True");
        pod.ConditionStatus("Initialized").ShouldBe("True");
        pod.ConditionStatus("ContainersReady").ShouldBe("True");
        pod.ConditionStatus("PodReadyToStartContainers").ShouldBe("True");
        pod["status"]!["podIP"]!.GetValue<string>().ShouldStartWith("10.");
        pod["status"]!["hostIP"]!.GetValue<string>().ShouldStartWith("172.");
        pod["status"]!["startTime"].ShouldNotBeNull();
        pod["status"]!["qosClass"]!.GetValue<string>().ShouldBe("BestEffort");
        var c = pod.Container("nginx")!;
        c["ready"]!.GetValue<bool>().ShouldBeTrue();
        c["started"]!.GetValue<bool>().ShouldBeTrue();
        c["image"]!.GetValue<string>().ShouldBe("docker.io/library/nginx:1.25");
        c["imageID"]!.GetValue<string>().ShouldStartWith("docker.io/library/nginx@sha256:");
        c["containerID"]!.GetValue<string>().ShouldStartWith("containerd://");

        var scheduled = await fx.WaitEvent("default", "web", "Scheduled");
        scheduled["message"]!.GetValue<string>().ShouldBe($"Successfully assigned default/web to {pod.NodeName()}");
        scheduled["source"]!["component"]!.GetValue<string>().ShouldBe("default-scheduler");
        await fx.WaitEvent("default", "web", "Pulling", "Pulling image \"nginx:1.25\"");
        await fx.WaitEvent("default", "web", "Pulled", "Successfully pulled image \"nginx:1.25\" in ");
        var created = await fx.WaitEvent("default", "web", "Created", "Created container: nginx");
        created["source"]!["component"]!.GetValue<string>().ShouldBe("kubelet");
        created["source"]!["host"]!.GetValue<string>().ShouldBe(pod.NodeName());
        created["involvedObject"]!["fieldPath"]!.GetValue<string>().ShouldBe("spec.containers{nginx}");
        await fx.WaitEvent("default", "web", "Started", "Started container nginx");

        var table = await fx.Kubectl.Run("get", "pod", "web", "-o", "wide");
        table.Succeeded().Stdout.ShouldContain("Running");
    }

    [Fact]
    public async Task A_crashing_container_goes_into_CrashLoopBackOff_with_the_real_back_off()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: crasher
              annotations:
                sim.vigil.io/exit-code: "1"
                sim.vigil.io/run-seconds: "2"
                sim.vigil.io/logs: |
                  starting
                  panic: boom
            spec:
              containers:
              - name: app
                image: busybox:1.36
            """);
        var pod = await fx.WaitPod("default", "crasher", p => p.WaitingReason("app") == "CrashLoopBackOff" && p.RestartCount("app") >= 2, "CrashLoopBackOff after 2 restarts", 60);
        pod.Phase().ShouldBe("Running");
        pod.ConditionStatus("Ready").ShouldBe("False");
        var c = pod.Container("app")!;
        c["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldMatch(@"^back-off \d+s restarting failed container=app pod=crasher_default\(.+\)$");
        var last = c["lastState"]!["terminated"]!;
        last["exitCode"]!.GetValue<int>().ShouldBe(1);
        last["reason"]!.GetValue<string>().ShouldBe("Error");
        last["containerID"]!.GetValue<string>().ShouldStartWith("containerd://");
        (DateTimeOffset.Parse(last["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(last["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).TotalSeconds.ShouldBe(2, 1);
        var backOff = await fx.WaitEvent("default", "crasher", "BackOff");
        backOff["type"]!.GetValue<string>().ShouldBe("Warning");
        backOff["message"]!.GetValue<string>().ShouldStartWith("Back-off restarting failed container app in pod crasher_default(");

        var table = await fx.Kubectl.Run("get", "pod", "crasher");
        table.Succeeded().Stdout.ShouldMatch(@"crasher\s+0/1\s+(CrashLoopBackOff|Error|Running)\s+[2-9]");

        var previous = await fx.Kubectl.Run("logs", "crasher", "--previous");
        previous.Succeeded().Stdout.ShouldBe("starting\npanic: boom\n");
    }

    [Fact]
    public async Task Back_off_doubles_from_ten_seconds()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: doubling
              annotations: {sim.vigil.io/exit-code: "3", sim.vigil.io/run-seconds: "1"}
            spec:
              containers:
              - {name: app, image: busybox:1.36}
            """);
        var pod = await fx.WaitPod("default", "doubling", p => p.RestartCount("app") == 3 && p.WaitingReason("app") == "CrashLoopBackOff", "three restarts", 60);
        // Restarts come 0 s, 10 s, 20 s after each crash; after the third the kubelet waits 40 s, and says so.
        pod.Container("app")!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldStartWith("back-off 40s restarting failed container=app");
        pod.Container("app")!["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public async Task Memory_above_the_limit_is_OOMKilled()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: hungry
              annotations: {sim.vigil.io/memory-usage: 300Mi}
            spec:
              containers:
              - name: app
                image: busybox:1.36
                resources:
                  requests: {memory: 64Mi}
                  limits: {memory: 128Mi}
            """);
        var pod = await fx.WaitPod("default", "hungry", p => p.RestartCount("app") >= 1
            && p.Container("app")?["lastState"]?["terminated"]?["reason"]?.GetValue<string>() == "OOMKilled", "OOMKilled once", 60);
        var last = pod.Container("app")!["lastState"]!["terminated"]!;
        last["exitCode"]!.GetValue<int>().ShouldBe(137);
        pod["status"]!["qosClass"]!.GetValue<string>().ShouldBe("Burstable");
        var oom = await fx.WaitEvent("default", pod.NodeName()!, "OOMKilling", kind: "Node");
        oom["type"]!.GetValue<string>().ShouldBe("Warning");
        oom["message"]!.GetValue<string>().ShouldStartWith("Memory cgroup out of memory: Killed process ");
        oom["message"]!.GetValue<string>().ShouldContain("(app)");
        oom["source"]!["component"]!.GetValue<string>().ShouldBe("kernel-monitor");
    }

    [Fact]
    public async Task An_image_on_an_invalid_host_fails_to_pull_then_backs_off()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: badimage
            spec:
              containers:
              - name: app
                image: registry.invalid/team/app:1.0
            """);
        var pod = await fx.WaitPod("default", "badimage", p => p.WaitingReason("app") == "ErrImagePull", "ErrImagePull");
        pod.Phase().ShouldBe("Pending");
        pod.Container("app")!["state"]!["waiting"]!["message"]!.GetValue<string>()
            .ShouldContain("failed to resolve reference \"registry.invalid/team/app:1.0\"");
        pod = await fx.WaitPod("default", "badimage", p => p.WaitingReason("app") == "ImagePullBackOff", "ImagePullBackOff");
        pod.Container("app")!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldStartWith("Back-off pulling image \"registry.invalid/team/app:1.0\": ErrImagePull: ");
        pod.Container("app")!["imageID"]!.GetValue<string>().ShouldBe("");
        await fx.WaitEvent("default", "badimage", "Pulling", "Pulling image \"registry.invalid/team/app:1.0\"");
        await fx.WaitEvent("default", "badimage", "Failed", "Failed to pull image \"registry.invalid/team/app:1.0\": ");
        await fx.WaitEvent("default", "badimage", "Failed", "Error: ErrImagePull");
        await fx.WaitEvent("default", "badimage", "BackOff", "Back-off pulling image \"registry.invalid/team/app:1.0\"");
        await fx.WaitEvent("default", "badimage", "Failed", "Error: ImagePullBackOff");
        (await fx.Kubectl.Run("get", "pod", "badimage")).Stdout.ShouldMatch(@"badimage\s+0/1\s+(ImagePullBackOff|ErrImagePull)");
        var logs = await fx.Kubectl.Run("logs", "badimage");
        logs.ExitCode.ShouldNotBe(0);
        logs.Stderr.ShouldMatch("container \"app\" in pod \"badimage\" is waiting to start: (trying and failing to pull image|image can't be pulled)");
    }

    [Fact]
    public async Task A_missing_configmap_in_env_is_a_CreateContainerConfigError_until_it_exists()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: needs-config
            spec:
              containers:
              - name: app
                image: busybox:1.36
                envFrom:
                - configMapRef: {name: app-settings}
                env:
                - name: TOKEN
                  valueFrom:
                    secretKeyRef: {name: app-secret, key: token}
            """);
        var pod = await fx.WaitPod("default", "needs-config", p => p.WaitingReason("app") == "CreateContainerConfigError", "CreateContainerConfigError");
        pod.Container("app")!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldBe("configmap \"app-settings\" not found");
        await fx.WaitEvent("default", "needs-config", "Failed", "Error: configmap \"app-settings\" not found");

        await fx.Apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: app-settings}
            data: {MODE: fast}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: app-secret}
            stringData: {other: x}
            """);
        pod = await fx.WaitPod("default", "needs-config", p => p.Container("app")?["state"]?["waiting"]?["message"]?.GetValue<string>() == "couldn't find key token in Secret default/app-secret", "missing key");
        await fx.Kubectl.RunWithInput("""
            apiVersion: v1
            kind: Secret
            metadata: {name: app-secret}
            stringData: {token: s3cret}
            """, "apply", "-f", "-");
        await fx.WaitPod("default", "needs-config", p => p.Phase() == "Running" && p.IsReady(), "Running once the config exists");
    }

    [Fact]
    public async Task A_missing_configmap_volume_keeps_the_pod_ContainerCreating_with_FailedMount()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: needs-volume
            spec:
              containers:
              - name: app
                image: busybox:1.36
                volumeMounts: [{name: config, mountPath: /etc/app}]
              volumes:
              - name: config
                configMap: {name: volume-settings}
            """);
        var pod = await fx.WaitPod("default", "needs-volume", p => p.WaitingReason("app") == "ContainerCreating", "ContainerCreating");
        pod.Phase().ShouldBe("Pending");
        pod.ConditionStatus("PodReadyToStartContainers").ShouldBe("False");
        var mount = await fx.WaitEvent("default", "needs-volume", "FailedMount");
        mount["type"]!.GetValue<string>().ShouldBe("Warning");
        mount["message"]!.GetValue<string>().ShouldBe("MountVolume.SetUp failed for volume \"config\" : configmap \"volume-settings\" not found");
        await fx.WaitEvent("default", "needs-volume", "FailedMount", "Unable to attach or mount volumes: unmounted volumes=[config]", 30);
        (await fx.Kubectl.Run("get", "pod", "needs-volume")).Stdout.ShouldContain("ContainerCreating");

        await fx.Apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: volume-settings}
            data: {a: b}
            """);
        await fx.WaitPod("default", "needs-volume", p => p.Phase() == "Running", "Running once the ConfigMap exists");
    }

    [Fact]
    public async Task A_failing_readiness_probe_keeps_the_pod_unready_with_Unhealthy_events()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: unready
              annotations: {sim.vigil.io/ready: "false"}
            spec:
              containers:
              - name: app
                image: nginx:1.25
                readinessProbe:
                  httpGet: {path: /healthz, port: 8080}
                  periodSeconds: 5
            """);
        var pod = await fx.WaitPod("default", "unready", p => p.Phase() == "Running", "Running");
        var unhealthy = await fx.WaitEvent("default", "unready", "Unhealthy");
        unhealthy["message"]!.GetValue<string>().ShouldBe("Readiness probe failed: HTTP probe failed with statuscode: 503");
        pod = (await fx.Pod("default", "unready"))!;
        pod.ConditionStatus("Ready").ShouldBe("False");
        pod.Condition("Ready")!["reason"]!.GetValue<string>().ShouldBe("ContainersNotReady");
        pod.Condition("Ready")!["message"]!.GetValue<string>().ShouldBe("containers with unready status: [app]");
        pod.Container("app")!["ready"]!.GetValue<bool>().ShouldBeFalse();
        pod.RestartCount("app").ShouldBe(0);
        (await fx.Kubectl.Run("get", "pod", "unready")).Stdout.ShouldContain("0/1     Running");

        // Readiness follows the annotation on the live pod.
        (await fx.Kubectl.Run("annotate", "pod", "unready", "sim.vigil.io/ready=true", "--overwrite")).Succeeded();
        await fx.WaitPod("default", "unready", p => p.IsReady(), "ready after the annotation changed");
    }

    [Fact]
    public async Task A_failing_liveness_probe_kills_and_restarts_the_container()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: unlive
              annotations: {sim.vigil.io/liveness: fail}
            spec:
              containers:
              - name: app
                image: nginx:1.25
                livenessProbe:
                  httpGet: {path: /healthz, port: 8080}
                  periodSeconds: 3
                  failureThreshold: 3
            """);
        var pod = await fx.WaitPod("default", "unlive", p => p.RestartCount("app") >= 1, "restarted", 60);
        var last = pod.Container("app")!["lastState"]!["terminated"]!;
        last["exitCode"]!.GetValue<int>().ShouldBe(137);
        last["reason"]!.GetValue<string>().ShouldBe("Error");
        var unhealthy = await fx.WaitEvent("default", "unlive", "Unhealthy");
        unhealthy["message"]!.GetValue<string>().ShouldBe("Liveness probe failed: HTTP probe failed with statuscode: 500");
        unhealthy["count"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(3);
        await fx.WaitEvent("default", "unlive", "Killing", "Container app failed liveness probe, will be restarted");
    }

    [Fact]
    public async Task Restart_policies_decide_the_pod_phase()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: job-ok
              annotations: {sim.vigil.io/run-seconds: "1"}
            spec:
              restartPolicy: Never
              containers: [{name: app, image: busybox:1.36}]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: job-fails
              annotations: {sim.vigil.io/exit-code: "2", sim.vigil.io/run-seconds: "1"}
            spec:
              restartPolicy: Never
              containers: [{name: app, image: busybox:1.36}]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: job-retries
              annotations: {sim.vigil.io/exit-code: "2", sim.vigil.io/run-seconds: "1"}
            spec:
              restartPolicy: OnFailure
              containers: [{name: app, image: busybox:1.36}]
            """);
        var ok = await fx.WaitPod("default", "job-ok", p => p.Phase() == "Succeeded", "Succeeded");
        ok.Container("app")!["state"]!["terminated"]!["reason"]!.GetValue<string>().ShouldBe("Completed");
        ok.Container("app")!["state"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(0);
        ok.Condition("Ready")!["reason"]!.GetValue<string>().ShouldBe("PodCompleted");
        var failed = await fx.WaitPod("default", "job-fails", p => p.Phase() == "Failed", "Failed");
        failed.Container("app")!["state"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(2);
        failed.Container("app")!["state"]!["terminated"]!["reason"]!.GetValue<string>().ShouldBe("Error");
        failed.RestartCount("app").ShouldBe(0);
        var retries = await fx.WaitPod("default", "job-retries", p => p.RestartCount("app") >= 2, "restarted on failure", 60);
        retries.Phase().ShouldBe("Running");
        (await fx.Kubectl.Run("get", "pods", "job-ok", "job-fails")).Stdout.ShouldContain("Completed");
    }

    [Fact]
    public async Task Init_containers_run_one_after_the_other()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: with-init
              annotations:
                sim.vigil.io/migrate.run-seconds: "20"
                sim.vigil.io/warm.run-seconds: "20"
            spec:
              initContainers:
              - {name: migrate, image: busybox:1.36}
              - {name: warm, image: busybox:1.36}
              containers:
              - {name: app, image: nginx:1.25}
            """);
        var pod = await fx.WaitPod("default", "with-init", p => p.Container("migrate", init: true)?["state"]?["running"] is not null, "first init running");
        pod.Phase().ShouldBe("Pending");
        pod.WaitingReason("warm", init: true).ShouldBe("PodInitializing");
        pod.WaitingReason("app").ShouldBe("PodInitializing");
        pod.ConditionStatus("Initialized").ShouldBe("False");
        pod.Condition("Initialized")!["message"]!.GetValue<string>().ShouldBe("containers with incomplete status: [migrate warm]");
        (await fx.Kubectl.Run("get", "pod", "with-init")).Stdout.ShouldContain("Init:0/2");
        pod = await fx.WaitPod("default", "with-init", p => p.Container("warm", init: true)?["state"]?["running"] is not null, "second init running");
        pod.Container("migrate", init: true)!["state"]!["terminated"]!["reason"]!.GetValue<string>().ShouldBe("Completed");
        pod = await fx.WaitPod("default", "with-init", p => p.Phase() == "Running" && p.IsReady(), "Running");
        pod.ConditionStatus("Initialized").ShouldBe("True");
    }

    [Fact]
    public async Task Deleting_a_pod_stops_it_within_its_grace_period()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: slow-stop
              annotations: {sim.vigil.io/termination-seconds: "40"}
            spec:
              terminationGracePeriodSeconds: 60
              containers: [{name: app, image: nginx:1.25}]
            """);
        await fx.WaitPod("default", "slow-stop", p => p.Phase() == "Running", "Running");
        var delete = fx.Kubectl.Run("delete", "pod", "slow-stop", "--wait=false");
        (await delete).Succeeded();
        var terminating = await fx.WaitPod("default", "slow-stop", p => p["metadata"]?["deletionTimestamp"] is not null, "terminating", 10);
        terminating["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<long>().ShouldBe(60);
        (await fx.Kubectl.Run("get", "pod", "slow-stop")).Stdout.ShouldContain("Terminating");
        await fx.WaitEvent("default", "slow-stop", "Killing", "Stopping container app");
        await Eventually.True(async () => await fx.Pod("default", "slow-stop") is null, TimeSpan.FromSeconds(20), "pod removed after it stopped");
    }

    [Fact]
    public async Task Logs_are_served_per_container_instance_and_follow_streams_new_lines()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: chatty
              annotations:
                sim.vigil.io/run-seconds: "40"
                sim.vigil.io/logs: |
                  one
                  two
                  three
                  four
                sim.vigil.io/sidecar.logs: |
                  side
            spec:
              restartPolicy: Never
              containers:
              - {name: app, image: busybox:1.36}
              - {name: sidecar, image: busybox:1.36}
            """);
        await fx.WaitPod("default", "chatty", p => p.Phase() == "Running", "Running");
        // The four lines are written 10 s apart (0.5 s real): follow streams them and ends when the container stops.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var follow = await fx.Kubectl.Run("logs", "chatty", "-c", "app", "-f");
        follow.Succeeded().Stdout.ShouldBe("one\ntwo\nthree\nfour\n");
        clock.Elapsed.TotalSeconds.ShouldBeGreaterThan(0.5);
        await fx.WaitPod("default", "chatty", p => p.Phase() == "Succeeded", "Succeeded");
        (await fx.Kubectl.Run("logs", "chatty", "-c", "app")).Succeeded().Stdout.ShouldBe("one\ntwo\nthree\nfour\n");
        (await fx.Kubectl.Run("logs", "chatty", "-c", "sidecar")).Succeeded().Stdout.ShouldBe("side\n");
        var previous = await fx.Kubectl.Run("logs", "chatty", "-c", "app", "--previous");
        previous.ExitCode.ShouldNotBe(0);
        previous.Stderr.ShouldContain("previous terminated container \"app\" in pod \"chatty\" not found");
    }

    [Fact]
    public async Task A_slow_starting_container_runs_before_it_is_started_and_ready()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: slow-start
              annotations: {sim.vigil.io/start-seconds: "40"}
            spec:
              containers: [{name: app, image: nginx:1.25}]
            """);
        var pod = await fx.WaitPod("default", "slow-start", p => p.Phase() == "Running", "Running");
        pod.Container("app")!["started"]!.GetValue<bool>().ShouldBeFalse();
        pod.Container("app")!["ready"]!.GetValue<bool>().ShouldBeFalse();
        pod.ConditionStatus("Ready").ShouldBe("False");
        pod = await fx.WaitPod("default", "slow-start", p => p.IsReady(), "Ready after its start-up time");
        pod.Container("app")!["started"]!.GetValue<bool>().ShouldBeTrue();
        var started = DateTimeOffset.Parse(pod.Container("app")!["state"]!["running"]!["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var ready = DateTimeOffset.Parse(pod.Condition("Ready")!["lastTransitionTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        (ready - started).TotalSeconds.ShouldBe(40, 2);
    }

    [Fact]
    public async Task A_pod_placed_by_hand_on_a_node_without_room_is_rejected_by_the_kubelet()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hand-placed}
            spec:
              nodeName: node-2
              containers:
              - name: app
                image: nginx:1.25
                resources:
                  requests: {cpu: "6"}
            """);
        var pod = await fx.WaitPod("default", "hand-placed", p => p.Phase() == "Failed", "Failed");
        pod["status"]!["reason"]!.GetValue<string>().ShouldBe("OutOfcpu");
        pod["status"]!["message"]!.GetValue<string>().ShouldMatch(@"^Pod was rejected: Node didn't have enough resource: cpu, requested: 6000, used: \d+, capacity: 4000$");
        var rejected = await fx.WaitEvent("default", "hand-placed", "OutOfcpu");
        rejected["type"]!.GetValue<string>().ShouldBe("Warning");
        (await fx.Kubectl.Run("get", "pod", "hand-placed")).Stdout.ShouldContain("OutOfcpu");
    }
}
