using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;
using Vigil.Kubernetes.Watch;

namespace Vigil.Kubernetes;

/// <summary>Whether a resource client asks for whole objects or only their metadata.</summary>
public enum ResponseShape
{
    Full,

    /// <summary><c>Accept: application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1</c>.</summary>
    Metadata,
}

/// <summary>
/// Operations on one resource (pods, deployments.apps, a custom resource...): get, list (paged), watch, create,
/// update, patch, apply, delete, and the status and scale subresources. A null namespace means the client's default
/// namespace for namespaced resources; use <see cref="AllNamespaces"/> to list or watch across all of them.
/// </summary>
public sealed class ResourceClient<T>
    where T : class, IKubernetesObject
{
    /// <summary>Pass as the namespace of list and watch to span every namespace.</summary>
    public const string AllNamespaces = "";

    private const string MetadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    private const string MetadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

    private readonly KubernetesClient _client;
    private readonly ResponseShape _shape;

    internal ResourceClient(KubernetesClient client, ResourceType resourceType, ResponseShape shape)
    {
        _client = client;
        ResourceType = resourceType;
        _shape = shape;
    }

    public ResourceType ResourceType { get; }

    public KubernetesClient Client => _client;

    private string ItemAccept => _shape == ResponseShape.Metadata ? MetadataAccept : "application/json";

    private string ListAccept => _shape == ResponseShape.Metadata ? MetadataListAccept : "application/json";

    public Task<T> GetAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync<T>(new ApiRequest(HttpMethod.Get, ItemPath(@namespace, name)) { Accept = ItemAccept }, cancellationToken);

    /// <summary>Like <see cref="GetAsync"/>, but null when the object does not exist.</summary>
    public async Task<T?> TryGetAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(name, @namespace, cancellationToken);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>One page (or everything, when no limit is given).</summary>
    public Task<KubernetesList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder();
        options?.AppendTo(query);
        return _client.SendAsync<KubernetesList<T>>(
            new ApiRequest(HttpMethod.Get, CollectionPath(@namespace) + query) { Accept = ListAccept },
            cancellationToken);
    }

    /// <summary>
    /// Every item, fetched in pages of <paramref name="pageSize"/> that follow the continue token; the result carries
    /// the list resourceVersion of the first page (all pages share it).
    /// </summary>
    public async Task<KubernetesList<T>> ListAllAsync(string? @namespace = null, ListOptions? options = null, int pageSize = 500, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var result = new KubernetesList<T>();
        var items = new List<T>();
        string? continueToken = null;
        var first = true;
        do
        {
            var page = await ListAsync(@namespace, options with { Limit = pageSize, Continue = continueToken, ResourceVersion = first ? options.ResourceVersion : null, ResourceVersionMatch = first ? options.ResourceVersionMatch : null }, cancellationToken);
            if (first)
            {
                result.ApiVersion = page.ApiVersion;
                result.Kind = page.Kind;
                result.Metadata = page.Metadata;
                first = false;
            }

            items.AddRange(page.Items);
            continueToken = string.IsNullOrEmpty(page.Metadata.Continue) ? null : page.Metadata.Continue;
        }
        while (continueToken is not null);

        result.Metadata.Continue = null;
        result.Items = items;
        return result;
    }

    /// <summary>Streams the events of a watch until the server closes it, the connection dies, or cancellation.</summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(
        string? @namespace = null,
        WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        var query = new QueryBuilder();
        options.AppendTo(query);
        using var response = await _client.SendAsync(
            new ApiRequest(HttpMethod.Get, CollectionPath(@namespace) + query) { Accept = ItemAccept, Streaming = true },
            cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var watchEvent in WatchStreamReader.ReadAsync(stream, _client.SerializerOptions.TypeInfo<T>(), options.EffectiveIdleTimeout, _client.TimeProvider, cancellationToken))
        {
            yield return watchEvent;
        }
    }

    public Task<T> CreateAsync(T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Write(HttpMethod.Post, CollectionPath(NamespaceOf(value)), value, options, cancellationToken);
    }

    /// <summary>PUT; the object's resourceVersion makes it conditional (a stale one gives <see cref="ConflictException"/>).</summary>
    public Task<T> UpdateAsync(T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Write(HttpMethod.Put, ItemPath(NamespaceOf(value), NameOf(value)), value, options, cancellationToken);
    }

    /// <summary>PUT to the status subresource: only <c>.status</c> changes.</summary>
    public Task<T> UpdateStatusAsync(T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Write(HttpMethod.Put, ItemPath(NamespaceOf(value), NameOf(value), "status"), value, options, cancellationToken);
    }

    public Task<T> PatchAsync(string name, Patch patch, string? @namespace = null, WriteOptions? options = null, string? subresource = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (patch.Type == PatchType.Apply && string.IsNullOrEmpty(options?.FieldManager))
        {
            throw new ArgumentException("Server-side apply needs a field manager.", nameof(options));
        }

        var query = new QueryBuilder();
        options?.AppendTo(query);
        return _client.SendAsync<T>(
            new ApiRequest(HttpMethod.Patch, ItemPath(@namespace, name, subresource) + query)
            {
                Body = Encoding.UTF8.GetBytes(patch.Body),
                ContentType = patch.ContentType,
            },
            cancellationToken);
    }

    public Task<T> PatchStatusAsync(string name, Patch patch, string? @namespace = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PatchAsync(name, patch, @namespace, options, "status", cancellationToken);

    /// <summary>Server-side apply of <paramref name="value"/> (sent as JSON, which is YAML) under <paramref name="fieldManager"/>.</summary>
    public Task<T> ApplyAsync(T value, string fieldManager, bool force = false, string? subresource = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(fieldManager);
        value.ApiVersion ??= ResourceType.ApiVersion;
        value.Kind ??= ResourceType.Kind;
        var body = JsonSerializer.Serialize(value, _client.SerializerOptions.TypeInfo<T>());
        return PatchAsync(NameOf(value), Patch.Apply(body), NamespaceOf(value), new WriteOptions { FieldManager = fieldManager, Force = force }, subresource, cancellationToken);
    }

    /// <summary>
    /// Deletes one object. Returns the object when the server still has it (finalizers or graceful deletion pending),
    /// or null when it answered with a success Status.
    /// </summary>
    public async Task<T?> DeleteAsync(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var response = await _client.SendAsync(
            new ApiRequest(HttpMethod.Delete, ItemPath(@namespace, name))
            {
                Body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options, KubernetesJsonContext.Default.DeleteOptions),
            },
            cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (body.Length == 0 || IsStatus(body))
        {
            return null;
        }

        return JsonSerializer.Deserialize(body, _client.SerializerOptions.TypeInfo<T>());
    }

    /// <summary>Deletes every object matching the selectors (deletecollection).</summary>
    public async Task DeleteCollectionAsync(string? @namespace = null, ListOptions? selection = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder();
        selection?.AppendTo(query);
        using var response = await _client.SendAsync(
            new ApiRequest(HttpMethod.Delete, CollectionPath(@namespace) + query)
            {
                Body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options, KubernetesJsonContext.Default.DeleteOptions),
            },
            cancellationToken);
    }

    public Task<Scale> GetScaleAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync<Scale>(new ApiRequest(HttpMethod.Get, ItemPath(@namespace, name, "scale")), cancellationToken);

    public Task<Scale> UpdateScaleAsync(string name, Scale scale, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scale);
        scale.ApiVersion ??= "autoscaling/v1";
        scale.Kind ??= "Scale";
        return _client.SendAsync<Scale>(
            new ApiRequest(HttpMethod.Put, ItemPath(@namespace, name, "scale"))
            {
                Body = JsonSerializer.SerializeToUtf8Bytes(scale, KubernetesJsonContext.Default.Scale),
                ContentType = "application/json",
            },
            cancellationToken);
    }

    /// <summary>Sets the replica count through the scale subresource with a merge patch.</summary>
    public Task<Scale> ScaleAsync(string name, int replicas, string? @namespace = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync<Scale>(
            new ApiRequest(HttpMethod.Patch, ItemPath(@namespace, name, "scale"))
            {
                Body = Encoding.UTF8.GetBytes("{\"spec\":{\"replicas\":" + replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}"),
                ContentType = Patch.Merge(string.Empty).ContentType,
            },
            cancellationToken);

    /// <summary>GET of any subresource, decoded as <typeparamref name="TResult"/>.</summary>
    public Task<TResult> GetSubresourceAsync<TResult>(string name, string subresource, string? @namespace = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync<TResult>(new ApiRequest(HttpMethod.Get, ItemPath(@namespace, name, subresource)), cancellationToken);

    /// <summary>POST to a subresource (eviction, binding...); the answer is discarded.</summary>
    internal async Task PostSubresourceAsync(string name, string subresource, string? @namespace, byte[] body, CancellationToken cancellationToken)
    {
        using var response = await _client.SendAsync(
            new ApiRequest(HttpMethod.Post, ItemPath(@namespace, name, subresource)) { Body = body, ContentType = "application/json", RetryTooManyRequests = false },
            cancellationToken);
    }

    internal Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string name, string subresource, string? @namespace, string query, bool streaming, string accept, CancellationToken cancellationToken) =>
        _client.SendAsync(new ApiRequest(method, ItemPath(@namespace, name, subresource) + query) { Streaming = streaming, Accept = accept }, cancellationToken);

    private static bool IsStatus(byte[] body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            return node?["kind"]?.GetValue<string>() == "Status";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string? EffectiveNamespace(string? @namespace) =>
        !ResourceType.Namespaced ? null : @namespace ?? _client.DefaultNamespace;

    private string CollectionPath(string? @namespace) => ResourceType.CollectionPath(EffectiveNamespace(@namespace));

    private string ItemPath(string? @namespace, string name, string? subresource = null)
    {
        var ns = EffectiveNamespace(@namespace);
        if (ResourceType.Namespaced && string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{ResourceType.QualifiedPlural} '{name}' needs a namespace.", nameof(@namespace));
        }

        return ResourceType.ItemPath(ns, name, subresource);
    }

    private string? NamespaceOf(T value)
    {
        if (!ResourceType.Namespaced)
        {
            return null;
        }

        var ns = value.Metadata.Namespace;
        if (string.IsNullOrEmpty(ns))
        {
            ns = _client.DefaultNamespace;
            value.Metadata.Namespace = ns;
        }

        return ns;
    }

    private static string NameOf(T value) =>
        string.IsNullOrEmpty(value.Metadata.Name) ? throw new ArgumentException("The object has no metadata.name.", nameof(value)) : value.Metadata.Name;

    private Task<T> Write(HttpMethod method, string path, T value, WriteOptions? options, CancellationToken cancellationToken)
    {
        value.ApiVersion ??= ResourceType.ApiVersion;
        value.Kind ??= ResourceType.Kind;
        var query = new QueryBuilder();
        options?.AppendTo(query);
        return _client.SendAsync<T>(
            new ApiRequest(method, path + query)
            {
                Body = JsonSerializer.SerializeToUtf8Bytes(value, _client.SerializerOptions.TypeInfo<T>()),
                ContentType = "application/json",
            },
            cancellationToken);
    }
}
