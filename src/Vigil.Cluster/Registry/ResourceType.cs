using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Registry;

/// <summary>The <c>scale</c> subresource of a resource: where the replica counts and selector live.</summary>
public sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>A column kubectl shows for a resource (a CRD's <c>additionalPrinterColumns</c> entry).</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string? Format = null, string? Description = null, int Priority = 0);

/// <summary>
/// One servable resource: the identity discovery announces, the rules the server applies to its objects,
/// and how to find its schema. Built-in kinds are declared in <see cref="BuiltInResources"/>; CRDs add more at run time.
/// </summary>
public sealed record ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required bool Namespaced { get; init; }
    public string ListKind => Kind + "List";
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public IReadOnlyList<string> Verbs { get; init; } = AllVerbs;

    /// <summary>True when the resource has a <c>status</c> subresource: main-endpoint writes keep the stored status.</summary>
    public bool HasStatusSubresource { get; init; }

    public ScaleSubresource? Scale { get; init; }

    /// <summary>Other subresources served (pods: log, eviction, binding, ephemeralcontainers).</summary>
    public IReadOnlyList<string> ExtraSubresources { get; init; } = [];

    /// <summary>True for custom resources: no strategic merge patch, no unconditional update.</summary>
    public bool IsCustom { get; init; }

    /// <summary>The CRD's <c>openAPIV3Schema</c>, for custom resources.</summary>
    public JsonObject? CustomSchema { get; init; }

    /// <summary>Structural schema used for patching, pruning and validation; null when unknown.</summary>
    public ISchemaNode? Schema { get; init; }

    /// <summary>Printer columns declared by a CRD; built-in kinds have their own in <c>Tables</c>.</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>
    /// Where objects are stored. Two resources that are views of one store (core/v1 and events.k8s.io/v1 Events)
    /// share a storage key and convert through <see cref="View"/>.
    /// </summary>
    public string StorageKey => View?.StorageKey ?? (Group.Length == 0 ? Plural : $"{Plural}.{Group}");

    /// <summary>Conversion between the stored form and this resource's form, when this resource is a view of another.</summary>
    public IObjectView? View { get; init; }

    /// <summary>For resources computed on read rather than stored (metrics.k8s.io): where get and list come from.</summary>
    public IComputedResource? Computed { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupVersion => ApiVersion;

    /// <summary>The name used in messages and Status details (<c>pods</c>, <c>deployments.apps</c>).</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public static readonly IReadOnlyList<string> AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}

/// <summary>A resource that is another view of a stored resource, such as events.k8s.io/v1 Events over core/v1 Events.</summary>
public interface IObjectView
{
    string StorageKey { get; }

    /// <summary>Converts a stored object (a copy) to this view's form.</summary>
    JsonObject ToView(JsonObject stored);

    /// <summary>Converts an object written through this view to the stored form.</summary>
    JsonObject FromView(JsonObject viewed);
}

/// <summary>A read-only resource computed when read, such as metrics.k8s.io's PodMetrics and NodeMetrics.</summary>
public interface IComputedResource
{
    /// <summary>The objects in a namespace (all namespaces when null), in key order.</summary>
    IReadOnlyList<JsonObject> List(string? ns);

    /// <summary>One object, or null when it does not exist.</summary>
    JsonObject? Get(string? ns, string name);
}
