using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Api;

public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
}

/// <summary>A write about to be committed; admission plugins may reject it by throwing an <see cref="ApiException"/>.</summary>
public sealed record AdmissionRequest(ResourceType Type, AdmissionOperation Operation, JsonObject? Object, JsonObject? OldObject, string? Subresource, bool DryRun);

/// <summary>
/// A step run before every write, like the apiserver's admission plugins: it may reject the write by throwing an
/// <see cref="ApiException"/>, or adjust <see cref="AdmissionRequest.Object"/> as a mutating plugin does.
/// </summary>
public interface IAdmissionPlugin
{
    void Admit(AdmissionRequest request);
}
