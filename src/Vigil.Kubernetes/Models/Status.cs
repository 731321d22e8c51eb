using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary><c>metav1.Status</c>: the body of every API error, and of some successful deletes.</summary>
public sealed class Status
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta? Metadata { get; set; }

    /// <summary>The <c>status</c> field: <c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public StatusDetails? Details { get; set; }
    public int? Code { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }

    /// <summary>The resource's plural name (<c>pods</c>), despite the field's name.</summary>
    public string? Kind { get; set; }
    public string? Uid { get; set; }
    public IList<StatusCause>? Causes { get; set; }
    public int? RetryAfterSeconds { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatusCause
{
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? Field { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary><c>metav1.DeleteOptions</c>.</summary>
public sealed class DeleteOptions
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "DeleteOptions";
    public long? GracePeriodSeconds { get; set; }

    /// <summary><c>Orphan</c>, <c>Background</c> or <c>Foreground</c>.</summary>
    public string? PropagationPolicy { get; set; }
    public Preconditions? Preconditions { get; set; }
    public IList<string>? DryRun { get; set; }

    public static DeleteOptions Background => new() { PropagationPolicy = "Background" };
    public static DeleteOptions Foreground => new() { PropagationPolicy = "Foreground" };
    public static DeleteOptions Orphan => new() { PropagationPolicy = "Orphan" };
}

public sealed class Preconditions
{
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}
