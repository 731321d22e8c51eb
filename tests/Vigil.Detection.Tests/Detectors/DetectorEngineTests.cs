using Vigil.Detection.Detectors;
using Vigil.Detection.Tests.Correlation;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Tests.Detectors;

public sealed class DetectorEngineTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 12, 10, 0, TimeSpan.Zero));
    private readonly ListClusterView _view = new();

    private DetectorEngine Engine() => new(DetectorCatalog.Create(), _clock);

    private const string CrashLooping = """
        {"phase":"Running","containerStatuses":[{"name":"api","ready":false,"restartCount":4,
          "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s restarting failed container"}},
          "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
        """;

    private const string Healthy = """{"phase":"Running","containerStatuses":[{"name":"api","ready":true,"restartCount":4,"state":{"running":{"startedAt":"2026-11-22T12:09:00Z"}}}]}""";

    [Fact]
    public void A_rescan_needs_only_the_pods_and_events_that_hold_something_and_every_object_of_the_other_kinds()
    {
        // Built-in pod and Event detectors find something only when their object changes; a node's or a Job's findings
        // can start holding with nothing of theirs changing (a deadline passing); ReplicaSets have no detector at all.
        var engine = new DetectorEngine(DetectorCatalog.Create(), _clock);
        engine.RescanScopeOf("Pod").ShouldBe(RescanScope.Holding);
        engine.RescanScopeOf("Event").ShouldBe(RescanScope.Holding);
        engine.RescanScopeOf("Node").ShouldBe(RescanScope.Everything);
        engine.RescanScopeOf("Job").ShouldBe(RescanScope.Everything);
        engine.RescanScopeOf("ReplicaSet").ShouldBe(RescanScope.Nothing);

        var crashing = Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping);
        engine.Observe(crashing, _view);
        engine.Observe(Objects.Pod("api-7d9f8c6b5-y3y5q", Healthy), _view);
        engine.HoldingObjects("Pod").ShouldBe([crashing], "the faulty pod as last evaluated; the healthy one holds nothing");
        engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", Healthy), _view);
        engine.HoldingObjects("Pod").ShouldBeEmpty();
    }

    [Fact]
    public void A_crash_loop_raises_a_signal_about_the_pod_with_its_owner_node_and_exit_code_then_clears()
    {
        var engine = Engine();
        var result = engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), _view);
        var signal = result.Raised.Single();
        signal.Source.ShouldBe("PodCrashLoop");
        signal.Reason.ShouldBe("CrashLoopBackOff");
        signal.Resource.Key.ShouldBe("Pod/shop/api-7d9f8c6b5-x2x4p");
        signal.Attributes[Signal.Attribute.OwnerKind].ShouldBe("Deployment");
        signal.Attributes[Signal.Attribute.OwnerName].ShouldBe("api");
        signal.Attributes[Signal.Attribute.Node].ShouldBe("node-1");
        signal.Attributes[Signal.Attribute.ExitCode].ShouldBe("1");
        signal.Message.ShouldContain("after 4 restarts");

        engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), _view).IsEmpty.ShouldBeTrue();
        var cleared = engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", Healthy), _view);
        cleared.Cleared.ShouldBe([signal.Fingerprint]);
    }

    private static Pod At(Pod pod, string resourceVersion)
    {
        pod.Metadata.ResourceVersion = resourceVersion;
        return pod;
    }

    [Fact]
    public void A_change_notified_late_does_not_undo_a_newer_version_a_rescan_already_evaluated()
    {
        // The pipeline's rescan reads the informer cache, which is ahead of the notifications still queued for it: the pod is
        // seen crash-looping (version 12) before the notification of its previous version (11, still healthy) arrives.
        var engine = Engine();
        var signal = engine.Rescan([At(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), "12")], _view).Raised.Single();

        engine.Observe(At(Objects.Pod("api-7d9f8c6b5-x2x4p", Healthy), "11"), _view).IsEmpty.ShouldBeTrue();
        engine.Observe(At(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), "12"), _view).IsEmpty.ShouldBeTrue();
        // Recovering for real (a newer version) still clears, and so does its deletion.
        engine.Observe(At(Objects.Pod("api-7d9f8c6b5-x2x4p", Healthy), "13"), _view).Cleared.ShouldBe([signal.Fingerprint]);
        var again = engine.Observe(At(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), "14"), _view);
        again.SuppressedByCooldown.ShouldBe(1);
    }

    [Fact]
    public void A_crash_loop_holds_while_the_container_runs_between_crashes_and_clears_once_it_has_run_past_the_back_off_reset()
    {
        var engine = Engine();
        var signal = engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", CrashLooping), _view).Raised.Single();
        const string RestartedAgain = """
            {"phase":"Running","containerStatuses":[{"name":"api","ready":true,"restartCount":5,"state":{"running":{"startedAt":"2026-11-22T12:10:00Z"}},
              "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
            """;
        const string JustCrashed = """
            {"phase":"Running","containerStatuses":[{"name":"api","ready":false,"restartCount":4,"state":{"terminated":{"exitCode":1,"reason":"Error"}},
              "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
            """;
        engine.Observe(Objects.Pod("api-7d9f8c6b5-x2x4p", JustCrashed), _view).IsEmpty.ShouldBeTrue();
        var running = Objects.Pod("api-7d9f8c6b5-x2x4p", RestartedAgain);
        engine.Observe(running, _view).IsEmpty.ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(9));
        engine.Rescan([running], _view).IsEmpty.ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(2));
        engine.Rescan([running], _view).Cleared.ShouldBe([signal.Fingerprint]);
    }

    [Fact]
    public void A_condition_becomes_a_signal_only_after_its_threshold_which_a_rescan_notices()
    {
        var engine = Engine();
        var pulling = Objects.Pod("api-7d9f8c6b5-abcde", """
            {"phase":"Pending","startTime":"2026-11-22T12:10:00Z","containerStatuses":[{"name":"api","ready":false,"restartCount":0,
              "state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image \"registry.invalid/api:2\""}}}]}
            """);
        engine.Observe(pulling, _view).Raised.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(30));
        engine.Rescan([pulling], _view).Raised.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(31));
        var raised = engine.Rescan([pulling], _view).Raised.Single();
        raised.Reason.ShouldBe("ImagePullBackOff");
        raised.Message.ShouldContain("shop/api:1");
    }

    [Fact]
    public void A_pod_marked_not_ready_by_its_failed_node_is_a_signal_about_the_pod_on_that_node_after_the_threshold()
    {
        var engine = Engine();
        var marked = Objects.Pod("api-7d9f8c6b5-q7k2m", """
            {"phase":"Running","conditions":[{"type":"Ready","status":"False","reason":"NodeNotReady","lastTransitionTime":"2026-11-22T12:10:00Z"}],
             "containerStatuses":[{"name":"api","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-11-22T12:00:00Z"}}}]}
            """, node: "worker-3");
        engine.Observe(marked, _view).Raised.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromMinutes(3));
        var raised = engine.Rescan([marked], _view).Raised.Single();
        raised.Source.ShouldBe("ProbeFailure");
        raised.Reason.ShouldBe("PodNotReady");
        raised.Attributes[Signal.Attribute.Node].ShouldBe("worker-3");
        // A pod whose containers are ready and which is Ready itself is healthy.
        engine.Observe(Objects.Pod("api-7d9f8c6b5-healthy", Healthy), _view).Raised.ShouldBeEmpty();
    }

    [Fact]
    public void A_Warning_event_storm_must_last_its_threshold_before_it_is_a_signal()
    {
        var engine = Engine();
        var storm = Objects.Parse<Event>("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"web.1","namespace":"platform"},"type":"Warning","reason":"FailedGetResourceMetric",
             "involvedObject":{"kind":"HorizontalPodAutoscaler","namespace":"platform","name":"web"},"count":60,"lastTimestamp":"2026-11-22T12:10:00Z",
             "message":"failed to get cpu utilization: missing request for cpu in container web of Pod web-1"}
            """);
        _view.Objects.Add(storm);
        engine.Observe(storm, _view).Raised.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(119));
        engine.Rescan([storm], _view).Raised.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(2));
        var raised = engine.Rescan([storm], _view).Raised.Single();
        raised.Resource.Key.ShouldBe("Namespace/platform");
        raised.Reason.ShouldBe("WarningEventStorm");
    }

    [Fact]
    public void Within_the_cooldown_a_condition_that_comes_back_is_suppressed_and_counted()
    {
        var engine = new DetectorEngine([new PodCrashLoop(new DetectorOptions { Count = 3, Cooldown = TimeSpan.FromMinutes(30) })], _clock);
        engine.Observe(Objects.Pod("p", CrashLooping), _view).Raised.Count.ShouldBe(1);
        engine.Observe(Objects.Pod("p", Healthy), _view).Cleared.Count.ShouldBe(1);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var again = engine.Observe(Objects.Pod("p", CrashLooping), _view);
        again.Raised.ShouldBeEmpty();
        again.SuppressedByCooldown.ShouldBe(1);
        engine.Observe(Objects.Pod("p", Healthy), _view).Cleared.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromMinutes(30));
        engine.Observe(Objects.Pod("p", CrashLooping), _view).Raised.Count.ShouldBe(1);
    }

    [Fact]
    public void Two_events_saying_the_same_thing_are_one_signal_which_clears_when_both_are_gone()
    {
        var pod = Objects.Pod("api-7d9f8c6b5-q", Healthy);
        _view.Objects.Add(pod);
        Event Unhealthy(string name) => Objects.Parse<Event>($$"""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"{{name}}","namespace":"shop"},"type":"Warning","reason":"Unhealthy",
             "message":"Liveness probe failed: HTTP probe failed with statuscode: 500","lastTimestamp":"2026-11-22T12:09:30Z",
             "involvedObject":{"kind":"Pod","namespace":"shop","name":"api-7d9f8c6b5-q"} }
            """);
        var engine = Engine();
        var first = engine.Observe(Unhealthy("e1"), _view).Raised.Single();
        first.Reason.ShouldBe("LivenessProbeFailed");
        first.Resource.Key.ShouldBe("Pod/shop/api-7d9f8c6b5-q");
        first.Attributes[Signal.Attribute.OwnerName].ShouldBe("api");
        engine.Observe(Unhealthy("e2"), _view).Raised.ShouldBeEmpty();
        engine.Forget("Event", "shop", "e1").Cleared.ShouldBeEmpty();
        engine.Forget("Event", "shop", "e2").Cleared.ShouldBe([first.Fingerprint]);
    }

    [Fact]
    public void Nodes_claims_jobs_and_rollouts_are_detected_from_their_conditions()
    {
        var engine = Engine();
        var node = Objects.Parse<Node>("""
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"node-2"},"status":{"conditions":[
              {"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown","message":"Kubelet stopped posting node status.","lastTransitionTime":"2026-11-22T12:05:00Z"},
              {"type":"MemoryPressure","status":"True","lastTransitionTime":"2026-11-22T12:05:00Z","message":"kubelet has insufficient memory available"}]}}
            """);
        var nodeSignals = engine.Observe(node, _view).Raised;
        nodeSignals.Select(s => s.Reason).ShouldBe(["NodeNotReady", "MemoryPressure"], ignoreOrder: true);
        nodeSignals.Single(s => s.Reason == "NodeNotReady").Severity.ShouldBe(Severity.Critical);

        var job = Objects.Parse<Job>("""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"report","namespace":"batch"},"spec":{"activeDeadlineSeconds":60},
             "status":{"startTime":"2026-11-22T12:00:00Z","conditions":[{"type":"Failed","status":"True","reason":"DeadlineExceeded","message":"Job was active longer than specified deadline"}]}}
            """);
        engine.Observe(job, _view).Raised.Single().Source.ShouldBe("JobDeadlineExceeded");

        var deployment = Objects.Parse<Deployment>("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"shop"},"spec":{"replicas":3},
             "status":{"availableReplicas":3,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"api-5d\" has timed out progressing."}]}}
            """);
        engine.Observe(deployment, _view).Raised.Single().Reason.ShouldBe("ProgressDeadlineExceeded");

        var claim = Objects.Parse<PersistentVolumeClaim>("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"shop","creationTimestamp":"2026-11-22T12:00:00Z"},
             "spec":{"storageClassName":"fast-ssd"},"status":{"phase":"Pending"}}
            """);
        engine.Observe(claim, _view).Raised.Single().Reason.ShouldBe("PVCStuckBinding");
    }

    [Fact]
    public void A_claim_waiting_for_its_first_consumer_is_not_stuck_until_a_node_is_selected_for_it()
    {
        var storageClass = Objects.Parse<StorageClass>("""
            {"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"local"},"provisioner":"kubernetes.io/no-provisioner","volumeBindingMode":"WaitForFirstConsumer"}
            """);
        var engine = Engine();
        var view = new ListClusterView(storageClass);
        var waiting = Objects.Parse<PersistentVolumeClaim>("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"cache","namespace":"shop","creationTimestamp":"2026-11-22T12:00:00Z"},
             "spec":{"storageClassName":"local"},"status":{"phase":"Pending"}}
            """);
        engine.Observe(waiting, view).IsEmpty.ShouldBeTrue();
        var selected = Objects.Parse<PersistentVolumeClaim>("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"cache","namespace":"shop","creationTimestamp":"2026-11-22T12:00:00Z",
             "annotations":{"volume.kubernetes.io/selected-node":"node-1"}},"spec":{"storageClassName":"local"},"status":{"phase":"Pending"}}
            """);
        engine.Observe(selected, view).Raised.Single().Reason.ShouldBe("PVCStuckBinding");
    }

    [Fact]
    public void A_detector_that_fails_on_a_malformed_object_is_counted_not_fatal()
    {
        var engine = new DetectorEngine([new Throwing(new DetectorOptions())], _clock);
        engine.Observe(Objects.Pod("p", Healthy), _view).IsEmpty.ShouldBeTrue();
        engine.Failures["Throwing"].ShouldBe(1);
    }

    private sealed class Throwing(DetectorOptions options) : Detector<Pod>(options)
    {
        public override string Name => "Throwing";
        protected override IEnumerable<Finding> Evaluate(Pod obj, DateTimeOffset now, IClusterView cluster) => throw new InvalidOperationException("malformed");
    }
}
