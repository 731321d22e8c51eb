using Vigil.Cluster.Tables;
using static Vigil.Cluster.Tests.Tables.TableTestSupport;

namespace Vigil.Cluster.Tests.Tables;

public class PodTableTests
{
    private static readonly Vigil.Cluster.Registry.ResourceType Pods = Type("", "pods");

    private static Dictionary<string, object?> PodRow(string json) => Row(Pods, Json(json));

    [Fact]
    public void Columns_match_kubectl_get_pods()
    {
        TableConverter.Columns(Pods).Select(c => (c.Name, c.Priority)).ShouldBe(
        [
            ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0),
            ("IP", 1), ("Node", 1), ("Nominated Node", 1), ("Readiness Gates", 1),
        ]);
        TableConverter.Columns(Pods)[0].Format.ShouldBe("name");
        TableConverter.Columns(Pods)[3].Type.ShouldBe("string");
    }

    [Fact]
    public void Running_pod()
    {
        var row = PodRow("""
            {"metadata":{"name":"web-1","creationTimestamp":"$AGO(200)"},
             "spec":{"nodeName":"node-a","containers":[{"name":"c"}]},
             "status":{"phase":"Running","podIP":"10.1.0.5","podIPs":[{"ip":"10.1.0.5"}],
                       "conditions":[{"type":"Ready","status":"True"}],
                       "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{"startedAt":"$AGO(190)"}}}]}}
            """);
        row["Name"].ShouldBe("web-1");
        row["Ready"].ShouldBe("1/1");
        row["Status"].ShouldBe("Running");
        row["Restarts"].ShouldBe("0");
        row["Age"].ShouldBe("3m20s");
        row["IP"].ShouldBe("10.1.0.5");
        row["Node"].ShouldBe("node-a");
        row["Nominated Node"].ShouldBe("<none>");
        row["Readiness Gates"].ShouldBe("<none>");
    }

    [Fact]
    public void Pending_pod_without_statuses()
    {
        var row = PodRow("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":{"phase":"Pending"}}""");
        row["Ready"].ShouldBe("0/2");
        row["Status"].ShouldBe("Pending");
        row["Age"].ShouldBe("<unknown>");
        row["IP"].ShouldBe("<none>");
        row["Node"].ShouldBe("<none>");
    }

    [Fact]
    public void CrashLoopBackOff_with_last_restart_age()
    {
        var row = PodRow("""
            {"metadata":{"name":"p","creationTimestamp":"$AGO(3600)"},"spec":{"containers":[{"name":"c"}]},
             "status":{"phase":"Running","containerStatuses":[{"name":"c","ready":false,"restartCount":3,
               "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s"}},
               "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"$AGO(120)"}}}]}}
            """);
        row["Ready"].ShouldBe("0/1");
        row["Status"].ShouldBe("CrashLoopBackOff");
        row["Restarts"].ShouldBe("3 (2m ago)");
        row["Age"].ShouldBe("60m");
    }

    [Fact]
    public void Restarts_without_a_finish_time_show_the_count_only()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},
             "status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":2,"state":{"running":{}}}]}}
            """);
        row["Restarts"].ShouldBe("2");
        row["Status"].ShouldBe("Running");
    }

    [Fact]
    public void Restart_age_is_the_latest_over_all_containers()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},
             "status":{"phase":"Running","containerStatuses":[
               {"name":"a","ready":true,"restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"$AGO(7200)"}}},
               {"name":"b","ready":true,"restartCount":4,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"$AGO(30)"}}}]}}
            """);
        row["Ready"].ShouldBe("2/2");
        row["Restarts"].ShouldBe("5 (30s ago)");
    }

    [Theory]
    [InlineData("""{"running":{}}""", "Init:0/2")]
    [InlineData("""{"waiting":{"reason":"PodInitializing"}}""", "Init:0/2")]
    [InlineData("""{"waiting":{}}""", "Init:0/2")]
    [InlineData("""{"waiting":{"reason":"CrashLoopBackOff"}}""", "Init:CrashLoopBackOff")]
    [InlineData("""{"waiting":{"reason":"ImagePullBackOff"}}""", "Init:ImagePullBackOff")]
    [InlineData("""{"terminated":{"exitCode":1,"reason":"Error"}}""", "Init:Error")]
    [InlineData("""{"terminated":{"exitCode":2}}""", "Init:ExitCode:2")]
    [InlineData("""{"terminated":{"exitCode":137,"signal":9}}""", "Init:Signal:9")]
    [InlineData("""{"terminated":{"exitCode":0,"reason":"Completed"}}""", "Init:1/2")]
    public void Init_container_progress(string firstInitState, string status)
    {
        var second = firstInitState.Contains("\"exitCode\":0", StringComparison.Ordinal) ? """{"running":{}}""" : """{"waiting":{"reason":"PodInitializing"}}""";
        var row = PodRow("""
            {"metadata":{"name":"p"},
             "spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"c"}]},
             "status":{"phase":"Pending",
               "initContainerStatuses":[{"name":"i1","restartCount":0,"state":@FIRST@},{"name":"i2","restartCount":0,"state":@SECOND@}],
               "containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}}
            """.Replace("@FIRST@", firstInitState, StringComparison.Ordinal).Replace("@SECOND@", second, StringComparison.Ordinal));
        row["Status"].ShouldBe(status);
        row["Ready"].ShouldBe("0/1");
    }

    [Fact]
    public void Init_container_restarts_count_while_initializing()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"c"}]},
             "status":{"phase":"Pending",
               "initContainerStatuses":[{"name":"i","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
                                         "lastState":{"terminated":{"exitCode":1,"finishedAt":"$AGO(65)"}}}],
               "containerStatuses":[{"name":"c","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}}
            """);
        row["Status"].ShouldBe("Init:CrashLoopBackOff");
        row["Restarts"].ShouldBe("4 (65s ago)");
    }

    [Fact]
    public void Sidecar_init_containers_count_as_containers()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},
             "spec":{"initContainers":[{"name":"setup"},{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]},
             "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
               "initContainerStatuses":[
                 {"name":"setup","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
                 {"name":"proxy","restartCount":2,"started":true,"ready":true,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"$AGO(600)"}}}],
               "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"$AGO(900)"}}}]}}
            """);
        row["Ready"].ShouldBe("2/2");
        row["Status"].ShouldBe("Running");
        row["Restarts"].ShouldBe("3 (10m ago)");
    }

    [Theory]
    [InlineData("""{"terminated":{"exitCode":0,"reason":"Completed"}}""", "Succeeded", "Completed")]
    [InlineData("""{"terminated":{"exitCode":137,"reason":"OOMKilled"}}""", "Running", "OOMKilled")]
    [InlineData("""{"terminated":{"exitCode":1,"reason":"Error"}}""", "Failed", "Error")]
    [InlineData("""{"terminated":{"exitCode":3}}""", "Failed", "ExitCode:3")]
    [InlineData("""{"terminated":{"exitCode":143,"signal":15}}""", "Failed", "Signal:15")]
    [InlineData("""{"waiting":{"reason":"ContainerCreating"}}""", "Pending", "ContainerCreating")]
    [InlineData("""{"waiting":{"reason":"ErrImagePull"}}""", "Pending", "ErrImagePull")]
    [InlineData("""{"waiting":{"reason":"CreateContainerConfigError"}}""", "Pending", "CreateContainerConfigError")]
    public void Container_state_reasons(string state, string phase, string status)
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},
             "status":{"phase":"@PHASE@","containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":@STATE@}]}}
            """.Replace("@PHASE@", phase, StringComparison.Ordinal).Replace("@STATE@", state, StringComparison.Ordinal));
        row["Status"].ShouldBe(status);
        row["Ready"].ShouldBe("0/1");
    }

    [Fact]
    public void The_first_container_wins_when_several_report_reasons()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},
             "status":{"phase":"Running","containerStatuses":[
               {"name":"a","restartCount":0,"state":{"waiting":{"reason":"CrashLoopBackOff"}}},
               {"name":"b","restartCount":0,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}}
            """);
        row["Status"].ShouldBe("CrashLoopBackOff");
    }

    [Theory]
    [InlineData(true, "Running")]
    [InlineData(false, "NotReady")]
    public void Completed_container_beside_a_running_one(bool podReady, string status)
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"@READY@"}],
               "containerStatuses":[
                 {"name":"a","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
                 {"name":"b","ready":true,"restartCount":0,"state":{"running":{}}}]}}
            """.Replace("@READY@", podReady ? "True" : "False", StringComparison.Ordinal));
        row["Status"].ShouldBe(status);
        row["Ready"].ShouldBe("1/2");
    }

    [Theory]
    [InlineData("Running", null, "Terminating")]
    [InlineData("Pending", null, "Terminating")]
    [InlineData("Succeeded", null, "Completed")]
    [InlineData("Running", "NodeLost", "Unknown")]
    public void Deleted_pods(string phase, string? reason, string status)
    {
        var statusReason = reason is null ? "" : $"\"reason\":\"{reason}\",";
        var state = phase == "Succeeded" ? """{"terminated":{"exitCode":0,"reason":"Completed"}}""" : """{"running":{}}""";
        var row = PodRow("""
            {"metadata":{"name":"p","deletionTimestamp":"$AGO(5)"},"spec":{"containers":[{"name":"c"}]},
             "status":{@REASON@"phase":"@PHASE@","containerStatuses":[{"name":"c","restartCount":0,"state":@STATE@}]}}
            """.Replace("@REASON@", statusReason, StringComparison.Ordinal).Replace("@PHASE@", phase, StringComparison.Ordinal)
            .Replace("@STATE@", state, StringComparison.Ordinal));
        row["Status"].ShouldBe(status);
    }

    [Fact]
    public void Pod_level_reasons_show_when_no_container_overrides_them()
    {
        PodRow("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Failed","reason":"Evicted","message":"low on memory"}}""")["Status"]
            .ShouldBe("Evicted");
        PodRow("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running","reason":"NodeLost"}}""")["Status"]
            .ShouldBe("NodeLost");
        PodRow("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}],"schedulingGates":[{"name":"g"}]},
             "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}}
            """)["Status"].ShouldBe("SchedulingGated");
    }

    [Fact]
    public void Wide_cells_show_ip_node_nomination_and_readiness_gates()
    {
        var row = PodRow("""
            {"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c"}],
               "readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"example.com/dns"}]},
             "status":{"phase":"Running","nominatedNodeName":"n2","podIPs":[{"ip":"fd00::5"},{"ip":"10.0.0.5"}],
               "conditions":[{"type":"example.com/lb","status":"True"},{"type":"example.com/dns","status":"False"}]}}
            """);
        row["IP"].ShouldBe("fd00::5");
        row["Node"].ShouldBe("n1");
        row["Nominated Node"].ShouldBe("n2");
        row["Readiness Gates"].ShouldBe("1/2");
    }

    [Fact]
    public void Finished_pods_carry_a_completed_row_condition()
    {
        var succeeded = Json("""{"metadata":{"name":"p"},"status":{"phase":"Succeeded"}}""");
        var conditions = TableConverter.RowConditions(Pods, succeeded)!;
        conditions.ToJsonString().ShouldBe("""[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}]""");
        TableConverter.RowConditions(Pods, Json("""{"metadata":{"name":"p"},"status":{"phase":"Failed"}}"""))![0]!["reason"]!.GetValue<string>().ShouldBe("Failed");
        TableConverter.RowConditions(Pods, Json("""{"metadata":{"name":"p"},"status":{"phase":"Running"}}""")).ShouldBeNull();
        var row = TableConverter.Row(Pods, succeeded, Now);
        row["conditions"].ShouldNotBeNull();
        row["cells"]!.AsArray().Count.ShouldBe(9);
    }
}
