using System.Globalization;
using System.Text;

namespace Vigil.Bench.Client;

/// <summary>Realistic pod JSON (labels, owner reference, managedFields, a container with resources, status with conditions).</summary>
public static class PodFixtures
{
    public static string Pod(int index, string @namespace = "bench")
    {
        var name = $"web-7d9f8c6b5-{index.ToString("x6", CultureInfo.InvariantCulture)}";
        return Template.Replace("@NAME@", name, StringComparison.Ordinal)
            .Replace("@NS@", @namespace, StringComparison.Ordinal)
            .Replace("@UID@", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("@RV@", (1000 + index).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@NODE@", (index % 500).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@A@", (index % 250).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@B@", (index % 200).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static readonly string Template = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"@NAME@","generateName":"web-7d9f8c6b5-","namespace":"@NS@",
            "uid":"@UID@","resourceVersion":"@RV@","creationTimestamp":"2024-05-06T07:08:09Z",
            "labels":{"app":"web","pod-template-hash":"7d9f8c6b5","tier":"frontend"},
            "annotations":{"kubectl.kubernetes.io/restartedAt":"2024-05-06T07:00:00Z"},
            "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c6b5","uid":"3f1a2b4c-0000-4000-8000-000000000001","controller":true,"blockOwnerDeletion":true}],
            "managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2024-05-06T07:08:09Z","fieldsType":"FieldsV1",
              "fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{},"f:tier":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"3f1a2b4c\"}":{}}},
                          "f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{},"f:resources":{}}}}}},
              {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2024-05-06T07:08:15Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{},"f:containerStatuses":{},"f:phase":{},"f:podIP":{}}},"subresource":"status"}]},
            "spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.42.0","imagePullPolicy":"IfNotPresent",
              "ports":[{"containerPort":8080,"protocol":"TCP","name":"http"}],
              "env":[{"name":"MODE","value":"production"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],
              "resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"cpu":"1","memory":"512Mi"}},
              "readinessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"periodSeconds":10,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},
              "volumeMounts":[{"name":"kube-api-access","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}],
              "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
              "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",
              "nodeName":"node-@NODE@","schedulerName":"default-scheduler","priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority",
              "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
              "volumes":[{"name":"kube-api-access","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}]},
            "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-06T07:08:09Z"},
              {"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-06T07:08:15Z"},
              {"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-06T07:08:09Z"}],
              "hostIP":"10.0.@A@.@B@","podIP":"10.244.@A@.@B@","podIPs":[{"ip":"10.244.@A@.@B@"}],
              "startTime":"2024-05-06T07:08:09Z","qosClass":"Burstable",
              "containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2024-05-06T07:08:12Z"}},"lastState":{},"ready":true,"restartCount":0,
                "image":"registry.example.com/shop/web:1.42.0","imageID":"registry.example.com/shop/web@sha256:0123456789abcdef","containerID":"containerd://abcdef0123456789","started":true}]}}
            """.Replace("\n", string.Empty, StringComparison.Ordinal);

    /// <summary>A PodList as the API server sends it (items without apiVersion/kind are fine either way).</summary>
    public static byte[] PodList(int count)
    {
        var builder = new StringBuilder(count * 3000);
        builder.Append("""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"123456"},"items":[""");
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(Pod(i));
        }

        builder.Append("]}");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
