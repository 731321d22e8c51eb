using System.Security.Cryptography.X509Certificates;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Delivery.Sinks;
using Vigil.Detection;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Delivery.Tests;

public sealed class KubernetesEventSinkTests
{
    [Fact]
    public async Task Diagnoses_become_labelled_events_on_the_affected_resources_that_a_label_selector_finds()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        cluster.Apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = cluster.Address,
            Namespace = "default",
            CertificateAuthority = [X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
        });
        var sink = new KubernetesEventSink(client, "vigil-0");
        await sink.SendAsync(Diagnoses.Of(Severity.Warning), CancellationToken.None);

        var events = await client.Resource<Event>().ListAsync("shop", new ListOptions { LabelSelector = "vigil.io/category=resources" });
        events.Items.Select(e => $"{e.InvolvedObject!.Kind}/{e.InvolvedObject.Name}").ShouldBe(["Deployment/api", "Pod/api-1"], ignoreOrder: true);
        var ev = events.Items[0];
        ev.Reason.ShouldBe(KubernetesEventSink.Reason);
        ev.Type.ShouldBe("Warning");
        ev.Message!.ShouldContain("128Mi");
        ev.Metadata.Labels!["vigil.io/severity"].ShouldBe("warning");
        ev.Metadata.Labels["vigil.io/incident"].ShouldBe("i1");
        ev.Metadata.Annotations!["vigil.io/remediation"].ShouldStartWith("1. Raise the memory limit.");
        ev.Metadata.Annotations["vigil.io/confidence"].ShouldBe("0.95");
    }
}
