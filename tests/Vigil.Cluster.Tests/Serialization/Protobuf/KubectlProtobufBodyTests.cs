using System.Text.Json.Nodes;
using Vigil.Cluster.Serialization;
using Vigil.Cluster.Serialization.Protobuf;

namespace Vigil.Cluster.Tests.Serialization.Protobuf;

/// <summary>
/// Bodies captured from the real kubectl 1.33, which sends built-in kinds as Kubernetes protobuf, decoded and
/// checked field by field; and compared with the JSON kubectl 1.31 sends for the same command.
/// </summary>
public sealed class KubectlProtobufBodyTests : IAsyncLifetime
{
    private CaptureServer _server = null!;

    public async Task InitializeAsync() => _server = await CaptureServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(CapturedRequest Request, JsonObject Object)> Capture(params string[] args)
    {
        var bodies = await _server.Kubectl(args);
        var request = bodies.ShouldHaveSingleItem(_server.Log);
        KubernetesProtobuf.IsProtobuf(request.ContentType).ShouldBeTrue($"kubectl sent {request.ContentType}");
        return (request, KubernetesProtobuf.Decode(request.Body));
    }

    [Fact]
    public async Task Create_namespace()
    {
        var (request, ns) = await Capture("create", "namespace", "demo");
        request.Path.ShouldBe("/api/v1/namespaces");
        // The zero-valued ObjectMeta fields on the wire are left out, as Go's omitempty does; the zero time is null.
        ShouldBeJson(ns, """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo","creationTimestamp":null},"spec":{},"status":{}}""");
    }

    [Fact]
    public async Task Create_configmap_from_literals()
    {
        var (_, cm) = await Capture("create", "configmap", "c", "--from-literal=a=1", "--from-literal=empty=");
        cm["kind"]!.GetValue<string>().ShouldBe("ConfigMap");
        cm["metadata"]!["name"]!.GetValue<string>().ShouldBe("c");
        cm["metadata"]!.AsObject().ContainsKey("namespace").ShouldBeFalse(); // the namespace is in the URL only
        // Map values are kept even when empty.
        ShouldBeJson(cm["data"], """{"a":"1","empty":""}""");
    }

    [Fact]
    public async Task Create_secret_data_is_base64()
    {
        var (_, secret) = await Capture("create", "secret", "generic", "s", "--from-literal=p=x", "--from-literal=q=h\u00e9llo");
        secret.ContainsKey("type").ShouldBeFalse(); // the server defaults it
        secret["data"]!["p"]!.GetValue<string>().ShouldBe("eA==");
        secret["data"]!["q"]!.GetValue<string>().ShouldBe(Convert.ToBase64String("h\u00e9llo"u8.ToArray()));
    }

    [Fact]
    public async Task Create_deployment()
    {
        var (request, deploy) = await Capture("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3", "--port=80");
        request.Path.ShouldBe("/apis/apps/v1/namespaces/default/deployments");
        deploy["apiVersion"]!.GetValue<string>().ShouldBe("apps/v1");
        deploy["kind"]!.GetValue<string>().ShouldBe("Deployment");
        deploy["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("web");
        deploy["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        deploy["spec"]!["selector"]!["matchLabels"]!["app"]!.GetValue<string>().ShouldBe("web");
        var template = deploy["spec"]!["template"]!;
        template["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("web");
        var container = template["spec"]!["containers"]!.AsArray().ShouldHaveSingleItem()!;
        container["name"]!.GetValue<string>().ShouldBe("nginx");
        container["image"]!.GetValue<string>().ShouldBe("nginx:1.25");
        ShouldBeJson(container["ports"], """[{"containerPort":80}]""");
        ShouldBeJson(container["resources"], "{}");
        ShouldBeJson(deploy["spec"]!["strategy"], "{}");
    }

    [Fact]
    public async Task Create_deployment_with_zero_replicas_keeps_the_zero()
    {
        var (_, deploy) = await Capture("create", "deployment", "idle", "--image=nginx", "--replicas=0");
        // replicas is a pointer: present on the wire, so 0 is meaningful.
        deploy["spec"]!["replicas"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task Create_job()
    {
        var (request, job) = await Capture("create", "job", "j", "--image=busybox", "--", "echo", "hi");
        request.Path.ShouldBe("/apis/batch/v1/namespaces/default/jobs");
        job["kind"]!.GetValue<string>().ShouldBe("Job");
        var pod = job["spec"]!["template"]!["spec"]!;
        pod["restartPolicy"]!.GetValue<string>().ShouldBe("Never");
        var container = pod["containers"]!.AsArray().ShouldHaveSingleItem()!;
        container["image"]!.GetValue<string>().ShouldBe("busybox");
        ShouldBeJson(container["command"], """["echo","hi"]""");
    }

    [Fact]
    public async Task Create_service_has_an_int_target_port_and_required_fields()
    {
        var (_, svc) = await Capture("create", "service", "clusterip", "svc", "--tcp=80:8080", "--tcp=443:https");
        svc["spec"]!["type"]!.GetValue<string>().ShouldBe("ClusterIP");
        ShouldBeJson(svc["spec"]!["selector"], """{"app":"svc"}""");
        ShouldBeJson(svc["spec"]!["ports"], """
            [{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080},
             {"name":"443-https","protocol":"TCP","port":443,"targetPort":"https"}]
            """);
        ShouldBeJson(svc["status"], """{"loadBalancer":{}}""");
    }

    [Fact]
    public async Task Create_pod_disruption_budget_has_a_percentage()
    {
        var (_, pdb) = await Capture("create", "poddisruptionbudget", "pdb", "--selector=app=x", "--min-available=50%");
        pdb["apiVersion"]!.GetValue<string>().ShouldBe("policy/v1");
        pdb["spec"]!["minAvailable"]!.GetValue<string>().ShouldBe("50%");
        ShouldBeJson(pdb["spec"]!["selector"], """{"matchLabels":{"app":"x"}}""");
    }

    [Fact]
    public async Task Create_quota_keeps_quantities_as_written()
    {
        var (_, quota) = await Capture("create", "quota", "q", "--hard=pods=10,cpu=1500m,memory=1Gi");
        ShouldBeJson(quota["spec"]!["hard"], """{"pods":"10","cpu":"1500m","memory":"1Gi"}""");
    }

    [Fact]
    public async Task Create_token_request()
    {
        var (request, token) = await Capture("create", "token", "sa1", "--duration=1h", "--audience=a", "--audience=b");
        request.Path.ShouldBe("/api/v1/namespaces/default/serviceaccounts/sa1/token");
        token["apiVersion"]!.GetValue<string>().ShouldBe("authentication.k8s.io/v1");
        token["kind"]!.GetValue<string>().ShouldBe("TokenRequest");
        ShouldBeJson(token["spec"]!["audiences"], """["a","b"]""");
        token["spec"]!["expirationSeconds"]!.GetValue<long>().ShouldBe(3600);
    }

    [Fact]
    public async Task Autoscale_sends_an_autoscaling_v2_hpa()
    {
        // kubectl 1.31 created autoscaling/v1 objects here, so there is no JSON to compare with.
        var bodies = await _server.Kubectl("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80");
        var hpa = KubernetesProtobuf.Decode(bodies.ShouldHaveSingleItem(_server.Log).Body);
        ShouldBeJson(hpa, """
            {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
             "metadata":{"name":"web","creationTimestamp":null},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":2,"maxReplicas":5,
                     "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]},
             "status":{"desiredReplicas":0,"currentMetrics":null}}
            """);
    }

    [Fact]
    public async Task Drain_without_eviction_sends_delete_options()
    {
        // kubectl drain evicts with a JSON Eviction even in 1.33, but deletes (--disable-eviction) with protobuf DeleteOptions.
        var bodies = await _server.Kubectl("drain", "n1", "--grace-period=7", "--timeout=20s", "--disable-eviction");
        bodies.Select(b => $"{b.Method} {b.Path}").ShouldBe(["PATCH /api/v1/nodes/n1", "DELETE /api/v1/namespaces/default/pods/p1"]);
        bodies[0].ContentType.ShouldBe("application/strategic-merge-patch+json"); // cordon
        var delete = bodies[1];
        delete.Path.ShouldBe("/api/v1/namespaces/default/pods/p1");
        KubernetesProtobuf.IsProtobuf(delete.ContentType).ShouldBeTrue();
        ShouldBeJson(KubernetesProtobuf.Decode(delete.Body), """{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":7}""");
    }

    /// <summary>kubectl 1.31 sends JSON and 1.33 protobuf for the same typed objects: decoded, they must be the same JSON.</summary>
    [Theory]
    [InlineData("create namespace demo")]
    [InlineData("create configmap c --from-literal=a=1 --from-literal=b=")]
    [InlineData("create secret generic s --from-literal=p=x")]
    [InlineData("create secret docker-registry reg --docker-server=r.io --docker-username=u --docker-password=p")]
    [InlineData("create secret tls t --cert=CERT --key=KEY")]
    [InlineData("create deployment web --image=nginx:1.25 --replicas=3 --port=80")]
    [InlineData("create deployment zero --image=nginx --replicas=0")]
    [InlineData("create job j --image=busybox -- sh -c true")]
    [InlineData("create cronjob cj --image=busybox --schedule=*/5_*_*_*_* --restart=OnFailure")]
    [InlineData("create service clusterip svc --tcp=80:8080 --tcp=53:dns")]
    [InlineData("create service nodeport np --tcp=80:8080 --node-port=30080")]
    [InlineData("create service externalname ext --external-name=example.com")]
    [InlineData("create service clusterip headless --clusterip=None")]
    [InlineData("create poddisruptionbudget pdb --selector=app=x --min-available=50%")]
    [InlineData("create poddisruptionbudget pdb2 --selector=app=x --max-unavailable=1")]
    [InlineData("create quota q --hard=pods=10,cpu=1500m --scopes=BestEffort")]
    [InlineData("create role r --verb=get,list --resource=pods --resource-name=a")]
    [InlineData("create clusterrole cr --verb=get --non-resource-url=/logs/*")]
    [InlineData("create clusterrole agg --aggregation-rule=rbac.example.com/aggregate-to-monitoring=true")]
    [InlineData("create rolebinding rb --clusterrole=view --user=u --group=g --serviceaccount=default:sa")]
    [InlineData("create clusterrolebinding crb --clusterrole=view --user=u")]
    [InlineData("create serviceaccount sa")]
    [InlineData("create ingress ing --class=nginx --rule=foo.com/bar*=svc1:8080,tls=secret1 --annotation=a=b --default-backend=svc2:http")]
    [InlineData("auth can-i get pods --subresource=log")]
    [InlineData("auth can-i get /logs")]
    [InlineData("auth can-i --list")]
    [InlineData("auth whoami")]
    [InlineData("create token sa1 --duration=10m --audience=x --bound-object-kind=Pod --bound-object-name=p --bound-object-uid=u1")]
    public async Task Protobuf_from_1_33_decodes_to_the_json_of_1_31(string command)
    {
        var args = command.Split(' ').Select(a => a.Replace('_', ' ')).ToArray();
        if (args.Contains("--cert=CERT"))
        {
            var (cert, key) = await WriteTlsPair();
            args = [.. args.Select(a => a.Replace("CERT", cert, StringComparison.Ordinal).Replace("KEY", key, StringComparison.Ordinal))];
        }
        var json = (await _server.KubectlOf("1.31", args)).ShouldHaveSingleItem(_server.Log);
        json.ContentType.ShouldStartWith("application/json");
        var protobuf = (await _server.KubectlOf("1.33", args)).ShouldHaveSingleItem(_server.Log);
        KubernetesProtobuf.IsProtobuf(protobuf.ContentType).ShouldBeTrue();

        var expected = JsonBody.Parse(json.Body)!;
        var decoded = KubernetesProtobuf.Decode(protobuf.Body);
        ShouldBeJson(decoded, expected.ToJsonString());
    }

    private async Task<(string Cert, string Key)> WriteTlsPair()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_server.Directory, "tls.crt");
        var keyPath = Path.Combine(_server.Directory, "tls.key");
        await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    internal static void ShouldBeJson(JsonNode? actual, string expected)
    {
        var want = JsonNode.Parse(expected);
        if (!JsonNode.DeepEquals(actual, want))
            throw new ShouldAssertException($"JSON differs.\nexpected: {want?.ToJsonString()}\nactual:   {actual?.ToJsonString()}");
    }
}
