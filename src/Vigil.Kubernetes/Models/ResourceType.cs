using System.Text;

namespace Vigil.Kubernetes.Models;

/// <summary>Where a kind is served: group, version, plural resource name and scope.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>pods</c> or <c>deployments.apps</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The collection path, optionally within a namespace: <c>/api/v1/namespaces/ns/pods</c>.</summary>
    public string CollectionPath(string? @namespace)
    {
        var builder = new StringBuilder(Group.Length == 0 ? "/api/" : "/apis/");
        if (Group.Length > 0)
        {
            builder.Append(Group).Append('/');
        }

        builder.Append(Version);
        if (Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            builder.Append("/namespaces/").Append(Uri.EscapeDataString(@namespace));
        }
        else if (Namespaced is false && !string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{QualifiedPlural} is cluster-scoped; no namespace may be given.", nameof(@namespace));
        }

        return builder.Append('/').Append(Plural).ToString();
    }

    /// <summary>The path of one object, optionally of one of its subresources.</summary>
    public string ItemPath(string? @namespace, string name, string? subresource = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Namespaced && string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{QualifiedPlural} is namespaced; a namespace is required for '{name}'.", nameof(@namespace));
        }

        var path = CollectionPath(@namespace) + "/" + Uri.EscapeDataString(name);
        return subresource is null ? path : path + "/" + subresource;
    }

    public override string ToString() => $"{QualifiedPlural} ({ApiVersion}, {Kind})";
}
