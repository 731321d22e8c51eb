using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Tables;
using static Vigil.Cluster.Tests.Tables.TableTestSupport;

namespace Vigil.Cluster.Tests.Tables;

public class BuiltInTableTests
{
    public static TheoryData<string, string> AllBuiltIns()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in BuiltInResources.All) data.Add(r.Group, r.Plural);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllBuiltIns))]
    public void Every_served_kind_prints_one_cell_per_column_even_for_a_bare_object(string group, string plural)
    {
        var type = Type(group, plural);
        var columns = TableConverter.Columns(type);
        columns.ShouldNotBeEmpty();
        columns.Count(c => c.Format == "name").ShouldBe(1);
        Cells(type, Json("""{"metadata":{"name":"x","creationTimestamp":"$AGO(30)"}}"""));
        Cells(type, Json("""{"metadata":{"name":"x"},"spec":{},"status":{}}"""));
        TableConverter.ColumnDefinitions(type).Count.ShouldBe(columns.Count);
    }

    [Theory]
    [InlineData("", "namespaces", "Name,Status,Age")]
    [InlineData("", "nodes", "Name,Status,Roles,Age,Version,Internal-IP*,External-IP*,OS-Image*,Kernel-Version*,Container-Runtime*")]
    [InlineData("", "events", "Last Seen,Type,Reason,Object,Subobject*,Source*,Message,First Seen*,Count*,Name*")]
    [InlineData("events.k8s.io", "events", "Last Seen,Type,Reason,Object,Subobject*,Source*,Message,First Seen*,Count*,Name*")]
    [InlineData("", "configmaps", "Name,Data,Age")]
    [InlineData("", "secrets", "Name,Type,Data,Age")]
    [InlineData("", "services", "Name,Type,Cluster-IP,External-IP,Port(s),Age,Selector*")]
    [InlineData("", "endpoints", "Name,Endpoints,Age")]
    [InlineData("", "serviceaccounts", "Name,Secrets,Age")]
    [InlineData("", "persistentvolumes", "Name,Capacity,Access Modes,Reclaim Policy,Status,Claim,StorageClass,VolumeAttributesClass,Reason,Age,VolumeMode*")]
    [InlineData("", "persistentvolumeclaims", "Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age,VolumeMode*")]
    [InlineData("", "resourcequotas", "Name,Request,Limit,Age")]
    [InlineData("", "limitranges", "Name,Created At")]
    [InlineData("", "replicationcontrollers", "Name,Desired,Current,Ready,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "deployments", "Name,Ready,Up-to-date,Available,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "replicasets", "Name,Desired,Current,Ready,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "statefulsets", "Name,Ready,Age,Containers*,Images*")]
    [InlineData("apps", "daemonsets", "Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "controllerrevisions", "Name,Controller,Revision,Age")]
    [InlineData("batch", "jobs", "Name,Status,Completions,Duration,Age,Containers*,Images*,Selector*")]
    [InlineData("batch", "cronjobs", "Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age,Containers*,Images*,Selector*")]
    [InlineData("autoscaling", "horizontalpodautoscalers", "Name,Reference,Targets,MinPods,MaxPods,Replicas,Age")]
    [InlineData("policy", "poddisruptionbudgets", "Name,Min Available,Max Unavailable,Allowed Disruptions,Age")]
    [InlineData("networking.k8s.io", "networkpolicies", "Name,Pod-Selector,Age")]
    [InlineData("networking.k8s.io", "ingresses", "Name,Class,Hosts,Address,Ports,Age")]
    [InlineData("networking.k8s.io", "ingressclasses", "Name,Controller,Parameters,Age")]
    [InlineData("storage.k8s.io", "storageclasses", "Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age")]
    [InlineData("coordination.k8s.io", "leases", "Name,Holder,Age")]
    [InlineData("rbac.authorization.k8s.io", "roles", "Name,Created At")]
    [InlineData("rbac.authorization.k8s.io", "clusterroles", "Name,Created At")]
    [InlineData("rbac.authorization.k8s.io", "rolebindings", "Name,Role,Age,Users*,Groups*,ServiceAccounts*")]
    [InlineData("rbac.authorization.k8s.io", "clusterrolebindings", "Name,Role,Age,Users*,Groups*,ServiceAccounts*")]
    [InlineData("apiextensions.k8s.io", "customresourcedefinitions", "Name,Created At")]
    public void Columns_match_kubectl(string group, string plural, string expected) =>
        string.Join(",", TableConverter.Columns(Type(group, plural)).Select(c => c.Priority > 0 ? c.Name + "*" : c.Name)).ShouldBe(expected);

    [Fact]
    public void Default_table_prints_the_creation_time()
    {
        Cells(Type("rbac.authorization.k8s.io", "clusterroles"), Json("""{"metadata":{"name":"admin","creationTimestamp":"2024-01-02T03:04:05Z"}}"""))
            .ShouldBe(["admin", "2024-01-02T03:04:05Z"]);
        Cells(Type("", "limitranges"), Json("""{"metadata":{"name":"l"}}""")).ShouldBe(["l", "0001-01-01T00:00:00Z"]);
        TableConverter.Columns(Type("rbac.authorization.k8s.io", "roles"))[1].Type.ShouldBe("date");
    }

    [Fact]
    public void Namespaces_configmaps_secrets_and_service_accounts()
    {
        Cells(Type("", "namespaces"), Json("""{"metadata":{"name":"prod","creationTimestamp":"$AGO(172800)"},"status":{"phase":"Active"}}"""))
            .ShouldBe(["prod", "Active", "2d"]);
        Cells(Type("", "configmaps"), Json("""{"metadata":{"name":"cm","creationTimestamp":"$AGO(45)"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}}"""))
            .ShouldBe(["cm", 3L, "45s"]);
        Cells(Type("", "configmaps"), Json("""{"metadata":{"name":"cm"}}""")).ShouldBe(["cm", 0L, "<unknown>"]);
        Cells(Type("", "secrets"), Json("""{"metadata":{"name":"s","creationTimestamp":"$AGO(3888000)"},"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""}}"""))
            .ShouldBe(["s", "kubernetes.io/tls", 2L, "45d"]);
        Cells(Type("", "serviceaccounts"), Json("""{"metadata":{"name":"default"},"secrets":[{"name":"t"}]}"""))[1].ShouldBe(1L);
    }

    [Fact]
    public void Deployments()
    {
        var row = Row(Type("apps", "deployments"), Json("""
            {"metadata":{"name":"web","creationTimestamp":"$AGO(600)"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["front"]}]},
                     "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"},{"name":"sidecar","image":"envoy:1"}]}}},
             "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}
            """));
        row["Ready"].ShouldBe("2/3");
        row["Up-to-date"].ShouldBe(3L);
        row["Available"].ShouldBe(2L);
        row["Age"].ShouldBe("10m");
        row["Containers"].ShouldBe("nginx,sidecar");
        row["Images"].ShouldBe("nginx:1.25,envoy:1");
        row["Selector"].ShouldBe("app=web,tier in (front)");

        var fresh = Row(Type("apps", "deployments"), Json("""{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}}}}"""));
        fresh["Ready"].ShouldBe("0/1");
        var invalid = Row(Type("apps", "deployments"), Json("""{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a b":"c"}}}}"""));
        invalid["Selector"].ShouldBe("<invalid>");
    }

    [Fact]
    public void ReplicaSets_statefulsets_daemonsets_and_replication_controllers()
    {
        var rs = Row(Type("apps", "replicasets"), Json("""
            {"metadata":{"name":"web-5d4"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web","pod-template-hash":"5d4"}},
             "template":{"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"replicas":2,"readyReplicas":1}}
            """));
        rs["Desired"].ShouldBe(2L);
        rs["Current"].ShouldBe(2L);
        rs["Ready"].ShouldBe(1L);
        rs["Selector"].ShouldBe("app=web,pod-template-hash=5d4");
        Row(Type("apps", "replicasets"), Json("""{"metadata":{"name":"r"},"spec":{"selector":{}}}"""))["Selector"].ShouldBe("<none>");
        Row(Type("apps", "replicasets"), Json("""{"metadata":{"name":"r"},"spec":{"selector":{"matchLabels":{"a":"b c"}}}}"""))["Selector"].ShouldBe("<error>");

        Row(Type("apps", "statefulsets"), Json("""{"metadata":{"name":"db"},"spec":{"replicas":3},"status":{"readyReplicas":3}}"""))["Ready"].ShouldBe("3/3");

        var ds = Cells(Type("apps", "daemonsets"), Json("""
            {"metadata":{"name":"agent","creationTimestamp":"$AGO(90000)"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux","disk":"ssd"},
               "containers":[{"name":"a","image":"agent:2"}]}}},
             "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,"updatedNumberScheduled":3,"numberAvailable":2}}
            """));
        ds.ShouldBe(["agent", 3L, 3L, 2L, 3L, 2L, "disk=ssd,kubernetes.io/os=linux", "25h", "a", "agent:2", "app=agent"]);
        Row(Type("apps", "daemonsets"), Json("""{"metadata":{"name":"d"}}"""))["Node Selector"].ShouldBe("<none>");

        var rc = Row(Type("", "replicationcontrollers"), Json("""{"metadata":{"name":"rc"},"spec":{"replicas":2,"selector":{"b":"2","a":"1"}},"status":{"replicas":1}}"""));
        rc["Desired"].ShouldBe(2L);
        rc["Current"].ShouldBe(1L);
        rc["Ready"].ShouldBe(0L);
        rc["Selector"].ShouldBe("a=1,b=2");
    }

    [Fact]
    public void ControllerRevisions_name_their_controller()
    {
        Cells(Type("apps", "controllerrevisions"), Json("""
            {"metadata":{"name":"web-7c9","ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","controller":true}]},"revision":4}
            """)).ShouldBe(["web-7c9", "statefulset.apps/web", 4L, "<unknown>"]);
        Row(Type("apps", "controllerrevisions"), Json("""{"metadata":{"name":"r"},"revision":1}"""))["Controller"].ShouldBe("<none>");
    }

    [Theory]
    [InlineData("""{"conditions":[{"type":"Complete","status":"True"}],"succeeded":1,"startTime":"$AGO(100)","completionTime":"$AGO(40)"}""", "Complete", "1/1", "60s")]
    [InlineData("""{"conditions":[{"type":"Failed","status":"True"}],"startTime":"$AGO(300)"}""", "Failed", "0/1", "5m")]
    [InlineData("""{"conditions":[{"type":"Suspended","status":"True"}]}""", "Suspended", "0/1", "")]
    [InlineData("""{"conditions":[{"type":"FailureTarget","status":"True"}],"startTime":"$AGO(10)"}""", "FailureTarget", "0/1", "10s")]
    [InlineData("""{"conditions":[{"type":"Complete","status":"False"}],"active":1,"startTime":"$AGO(125)"}""", "Running", "0/1", "2m5s")]
    public void Job_status_completions_and_duration(string status, string expectedStatus, string completions, string duration)
    {
        var row = Row(Type("batch", "jobs"), Json("""
            {"metadata":{"name":"j"},"spec":{"completions":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},
             "template":{"spec":{"containers":[{"name":"w","image":"busybox"}]}}},"status":@STATUS@}
            """.Replace("@STATUS@", status, StringComparison.Ordinal)));
        row["Status"].ShouldBe(expectedStatus);
        row["Completions"].ShouldBe(completions);
        row["Duration"].ShouldBe(duration);
        row["Selector"].ShouldBe("batch.kubernetes.io/controller-uid=u");
    }

    [Fact]
    public void Job_completions_without_a_count_and_while_deleting()
    {
        Row(Type("batch", "jobs"), Json("""{"metadata":{"name":"j"},"spec":{"parallelism":3},"status":{"succeeded":2}}"""))["Completions"].ShouldBe("2/1 of 3");
        Row(Type("batch", "jobs"), Json("""{"metadata":{"name":"j"},"spec":{"parallelism":1}}"""))["Completions"].ShouldBe("0/1");
        Row(Type("batch", "jobs"), Json("""{"metadata":{"name":"j","deletionTimestamp":"$AGO(1)"},"spec":{"completions":5}}"""))["Status"].ShouldBe("Terminating");
    }

    [Fact]
    public void CronJobs()
    {
        var row = Row(Type("batch", "cronjobs"), Json("""
            {"metadata":{"name":"backup","creationTimestamp":"$AGO(86400)"},
             "spec":{"schedule":"*/5 * * * *","timeZone":"Etc/UTC","suspend":false,
               "jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"backup:1"}]}}}}},
             "status":{"active":[{"name":"backup-1"}],"lastScheduleTime":"$AGO(150)"}}
            """));
        row["Schedule"].ShouldBe("*/5 * * * *");
        row["Timezone"].ShouldBe("Etc/UTC");
        row["Suspend"].ShouldBe("False");
        row["Active"].ShouldBe(1L);
        row["Last Schedule"].ShouldBe("2m30s");
        row["Age"].ShouldBe("24h");
        row["Containers"].ShouldBe("b");
        row["Selector"].ShouldBe("<none>");
        var bare = Row(Type("batch", "cronjobs"), Json("""{"metadata":{"name":"c"},"spec":{"schedule":"@daily"}}"""));
        bare["Timezone"].ShouldBe("<none>");
        bare["Suspend"].ShouldBe("<unset>");
        bare["Last Schedule"].ShouldBe("<none>");
    }

    [Fact]
    public void Services_of_each_type()
    {
        var services = Type("", "services");
        Cells(services, Json("""
            {"metadata":{"name":"web","creationTimestamp":"$AGO(60)"},
             "spec":{"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"selector":{"app":"web"},
                     "ports":[{"port":80,"protocol":"TCP","targetPort":8080},{"port":53,"protocol":"UDP"}]}}
            """)).ShouldBe(["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "60s", "app=web"]);
        Cells(services, Json("""
            {"metadata":{"name":"np"},"spec":{"type":"NodePort","clusterIPs":["10.96.0.11"],"externalIPs":["1.2.3.4"],"ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}]}}
            """)).ShouldBe(["np", "NodePort", "10.96.0.11", "1.2.3.4", "80:30080/TCP", "<unknown>", "<none>"]);
        Row(services, Json("""{"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.12"],"ports":[{"port":443,"nodePort":31443}]}}"""))
            ["External-IP"].ShouldBe("<pending>");
        Row(services, Json("""
            {"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","externalIPs":["9.9.9.9"]},
             "status":{"loadBalancer":{"ingress":[{"ip":"5.6.7.8"},{"hostname":"lb.example.com"},{"ip":"5.6.7.8"}]}}}
            """))["External-IP"].ShouldBe("5.6.7.8,lb.example.com,9.9.9.9");
        var external = Row(services, Json("""{"metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}"""));
        external["External-IP"].ShouldBe("db.example.com");
        external["Cluster-IP"].ShouldBe("<none>");
        external["Port(s)"].ShouldBe("<none>");
        Row(services, Json("""{"metadata":{"name":"h"},"spec":{"clusterIP":"None","clusterIPs":["None"]}}"""))["Cluster-IP"].ShouldBe("None");
    }

    [Fact]
    public void Endpoints_list_up_to_three_addresses()
    {
        var endpoints = Type("", "endpoints");
        Row(endpoints, Json("""{"metadata":{"name":"e"}}"""))["Endpoints"].ShouldBe("<none>");
        Row(endpoints, Json("""
            {"metadata":{"name":"e"},"subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"port":80},{"port":443}]}]}
            """))["Endpoints"].ShouldBe("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...");
        Row(endpoints, Json("""{"metadata":{"name":"e"},"subsets":[{"addresses":[{"ip":"fd00::1"}],"ports":[{"port":8080}]}]}"""))["Endpoints"].ShouldBe("[fd00::1]:8080");
        Row(endpoints, Json("""{"metadata":{"name":"e"},"subsets":[{"addresses":[{"ip":"10.0.0.1"}]}]}"""))["Endpoints"].ShouldBe("10.0.0.1");
    }

    [Fact]
    public void Nodes()
    {
        var nodes = Type("", "nodes");
        Cells(nodes, Json("""
            {"metadata":{"name":"cp-1","creationTimestamp":"$AGO(864000)","labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"true","kubernetes.io/role":"master"}},
             "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
               "addresses":[{"type":"InternalIP","address":"192.168.1.10"},{"type":"Hostname","address":"cp-1"}],
               "nodeInfo":{"kubeletVersion":"v1.33.1","osImage":"Ubuntu 24.04 LTS","kernelVersion":"6.8.0","containerRuntimeVersion":"containerd://1.7.24"}}}
            """)).ShouldBe(["cp-1", "Ready", "control-plane,etcd,master", "10d", "v1.33.1", "192.168.1.10", "<none>", "Ubuntu 24.04 LTS", "6.8.0", "containerd://1.7.24"]);
        var cordoned = Row(nodes, Json("""{"metadata":{"name":"n"},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}}"""));
        cordoned["Status"].ShouldBe("NotReady,SchedulingDisabled");
        cordoned["Roles"].ShouldBe("<none>");
        cordoned["OS-Image"].ShouldBe("<unknown>");
        Row(nodes, Json("""{"metadata":{"name":"n"}}"""))["Status"].ShouldBe("Unknown");
    }

    [Fact]
    public void Core_events()
    {
        var events = Type("", "events");
        Cells(events, Json("""
            {"metadata":{"name":"web-1.17c8","namespace":"default"},
             "involvedObject":{"kind":"Pod","name":"web-1","fieldPath":"spec.containers{nginx}"},
             "reason":"BackOff","message":"  Back-off restarting failed container\n","type":"Warning",
             "source":{"component":"kubelet","host":"node-a"},"firstTimestamp":"$AGO(3600)","lastTimestamp":"$AGO(65)","count":12}
            """)).ShouldBe(["65s", "Warning", "BackOff", "pod/web-1", "spec.containers{nginx}", "kubelet, node-a",
                "Back-off restarting failed container", "60m", 12L, "web-1.17c8"]);
    }

    [Fact]
    public void Events_from_the_new_api_fall_back_to_event_time_series_and_reporting_controller()
    {
        var events = Type("", "events");
        var row = Row(events, Json("""
            {"metadata":{"name":"e"},"involvedObject":{"kind":"Node"},"reason":"Rebooted","type":"Normal",
             "eventTime":"2024-05-01T11:59:00.000000Z","reportingComponent":"kubelet","reportingInstance":"n1",
             "series":{"count":4,"lastObservedTime":"2024-05-01T11:59:50.123456Z"}}
            """));
        row["Last Seen"].ShouldBe("9s");
        row["First Seen"].ShouldBe("60s");
        row["Count"].ShouldBe(4L);
        row["Object"].ShouldBe("node");
        row["Source"].ShouldBe("kubelet, n1");
        var singleton = Row(events, Json("""{"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"eventTime":"$AGO(5)"}"""));
        singleton["Count"].ShouldBe(1L);
        singleton["Last Seen"].ShouldBe("5s");
        Row(events, Json("""{"metadata":{"name":"e"}}"""))["Last Seen"].ShouldBe("<unknown>");
    }

    [Fact]
    public void Events_k8s_io_view_prints_like_core_events()
    {
        var row = Row(Type("events.k8s.io", "events"), Json("""
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e"},"regarding":{"kind":"Deployment","name":"web"},
             "note":"Scaled up replica set web-5d4 to 3","reason":"ScalingReplicaSet","type":"Normal","reportingController":"deployment-controller",
             "eventTime":"2024-05-01T11:00:00.000000Z","deprecatedFirstTimestamp":"$AGO(120)","deprecatedLastTimestamp":"$AGO(30)","deprecatedCount":2}
            """));
        row["Object"].ShouldBe("deployment/web");
        row["Message"].ShouldBe("Scaled up replica set web-5d4 to 3");
        row["Last Seen"].ShouldBe("30s");
        row["First Seen"].ShouldBe("2m");
        row["Count"].ShouldBe(2L);
        row["Source"].ShouldBe("deployment-controller");
    }

    [Fact]
    public void Persistent_volumes_and_claims()
    {
        Cells(Type("", "persistentvolumes"), Json("""
            {"metadata":{"name":"pv-1","creationTimestamp":"$AGO(300)"},
             "spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteMany","ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Retain",
                     "claimRef":{"namespace":"db","name":"data-0"},"storageClassName":"fast","volumeMode":"Filesystem"},
             "status":{"phase":"Bound"}}
            """)).ShouldBe(["pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "db/data-0", "fast", "<unset>", "", "5m", "Filesystem"]);
        var terminating = Row(Type("", "persistentvolumes"), Json("""
            {"metadata":{"name":"pv","deletionTimestamp":"$AGO(1)","annotations":{"volume.beta.kubernetes.io/storage-class":"old"}},"spec":{"storageClassName":"new"},"status":{"phase":"Released"}}
            """));
        terminating["Status"].ShouldBe("Terminating");
        terminating["StorageClass"].ShouldBe("old");
        terminating["Capacity"].ShouldBe("0");
        terminating["VolumeMode"].ShouldBe("<unset>");

        var claims = Type("", "persistentvolumeclaims");
        Cells(claims, Json("""
            {"metadata":{"name":"data-0","creationTimestamp":"$AGO(300)"},
             "spec":{"volumeName":"pv-1","storageClassName":"fast","resources":{"requests":{"storage":"5Gi"}},"volumeMode":"Block","volumeAttributesClassName":"gold"},
             "status":{"phase":"Bound","capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOncePod"]}}
            """)).ShouldBe(["data-0", "Bound", "pv-1", "10Gi", "RWOP", "fast", "gold", "5m", "Block"]);
        Cells(claims, Json("""{"metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Pending"}}"""))
            .ShouldBe(["c", "Pending", "", "", "", "", "<unset>", "<unknown>", "<unset>"]);
    }

    [Fact]
    public void Storage_classes_mark_the_default()
    {
        var sc = Type("storage.k8s.io", "storageclasses");
        Cells(sc, Json("""
            {"metadata":{"name":"standard","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"rancher.io/local-path",
             "reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer","allowVolumeExpansion":true}
            """)).ShouldBe(["standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", true, "<unknown>"]);
        Cells(sc, Json("""{"metadata":{"name":"s"},"provisioner":"p"}""")).ShouldBe(["s", "p", "Delete", "Immediate", false, "<unknown>"]);
    }

    [Fact]
    public void Resource_quotas_split_requests_and_limits()
    {
        Cells(Type("", "resourcequotas"), Json("""
            {"metadata":{"name":"q"},"status":{"hard":{"requests.cpu":"2","limits.memory":"4Gi","pods":"10","limits.cpu":"4"},
             "used":{"requests.cpu":"500m","limits.memory":"1Gi","pods":"3"}}}
            """)).ShouldBe(["q", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 0/4, limits.memory: 1Gi/4Gi", "<unknown>"]);
    }

    [Fact]
    public void Horizontal_pod_autoscalers()
    {
        var hpa = Type("autoscaling", "horizontalpodautoscalers");
        Cells(hpa, Json("""
            {"metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,
               "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}},
                          {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"200Mi"}}},
                          {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}]},
             "status":{"currentReplicas":3,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":45,"averageValue":"90m"}}}]}}
            """)).ShouldBe(["web", "Deployment/web", "cpu: 45%/80%, memory: <unknown>/200Mi + 1 more...", "2", 10L, 3L, "<unknown>"]);
        var bare = Row(hpa, Json("""{"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"db"},"maxReplicas":3}}"""));
        bare["Targets"].ShouldBe("<none>");
        bare["MinPods"].ShouldBe("<unset>");
        Row(hpa, Json("""
            {"metadata":{"name":"h"},"spec":{"metrics":[{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"30"}}},
              {"type":"Object","object":{"target":{"type":"AverageValue","averageValue":"5"}}}]},
             "status":{"currentMetrics":[{"type":"External","external":{"current":{"value":"12"}}}]}}
            """))["Targets"].ShouldBe("12/30, <unknown>/5 (avg)");
    }

    [Fact]
    public void Disruption_budgets_ingresses_network_policies_leases_and_bindings()
    {
        Cells(Type("policy", "poddisruptionbudgets"), Json("""{"metadata":{"name":"p"},"spec":{"minAvailable":"50%"},"status":{"disruptionsAllowed":1}}"""))
            .ShouldBe(["p", "50%", "N/A", 1L, "<unknown>"]);
        Row(Type("policy", "poddisruptionbudgets"), Json("""{"metadata":{"name":"p"},"spec":{"maxUnavailable":1}}"""))["Max Unavailable"].ShouldBe("1");

        Cells(Type("networking.k8s.io", "ingresses"), Json("""
            {"metadata":{"name":"i"},"spec":{"ingressClassName":"nginx","tls":[{"hosts":["a.example.com"]}],
              "rules":[{"host":"a.example.com"},{"host":"b.example.com"},{},{"host":"c.example.com"},{"host":"d.example.com"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}}}
            """)).ShouldBe(["i", "nginx", "a.example.com,b.example.com,c.example.com + 2 more...", "203.0.113.7", "80, 443", "<unknown>"]);
        Cells(Type("networking.k8s.io", "ingresses"), Json("""{"metadata":{"name":"i"},"spec":{"rules":[{}]}}"""))
            .ShouldBe(["i", "<none>", "*", "", "80", "<unknown>"]);
        Cells(Type("networking.k8s.io", "ingressclasses"), Json("""
            {"metadata":{"name":"nginx"},"spec":{"controller":"k8s.io/ingress-nginx","parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"external-lb"}}}
            """)).ShouldBe(["nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "<unknown>"]);

        Row(Type("networking.k8s.io", "networkpolicies"), Json("""{"metadata":{"name":"n"},"spec":{"podSelector":{}}}"""))["Pod-Selector"].ShouldBe("<none>");
        Row(Type("networking.k8s.io", "networkpolicies"), Json("""{"metadata":{"name":"n"},"spec":{"podSelector":{"matchLabels":{"role":"db"}}}}"""))["Pod-Selector"].ShouldBe("role=db");

        Cells(Type("coordination.k8s.io", "leases"), Json("""{"metadata":{"name":"kube-scheduler"},"spec":{"holderIdentity":"cp-1_abc"}}"""))
            .ShouldBe(["kube-scheduler", "cp-1_abc", "<unknown>"]);

        Cells(Type("rbac.authorization.k8s.io", "clusterrolebindings"), Json("""
            {"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"User","name":"alice"},{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","namespace":"ci","name":"runner"},{"kind":"User","name":"bob"}]}
            """)).ShouldBe(["b", "ClusterRole/view", "<unknown>", "alice, bob", "devs", "ci/runner"]);
    }

    [Fact]
    public void Column_definitions_serialize_as_the_table_expects()
    {
        var defs = TableConverter.ColumnDefinitions(Type("", "namespaces"));
        defs[0]!.ToJsonString().ShouldStartWith("""{"name":"Name","type":"string","format":"name","description":"Name must be unique""");
        defs[0]!["priority"]!.GetValue<int>().ShouldBe(0);
        ((JsonObject)defs[1]!)["format"]!.GetValue<string>().ShouldBe("");
    }
}
