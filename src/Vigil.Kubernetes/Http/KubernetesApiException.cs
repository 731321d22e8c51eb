using System.Net;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Http;

/// <summary>An error answered by the API server, with the <see cref="Models.Status"/> it sent (or one made from a non-JSON body).</summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException()
        : this(new Status { Message = "Kubernetes API error" })
    {
    }

    public KubernetesApiException(string message)
        : this(new Status { Message = message })
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status { Message = message };
    }

    public KubernetesApiException(Status status, TimeSpan? retryAfter = null)
        : base(Describe(status))
    {
        Status = status ?? throw new ArgumentNullException(nameof(status));
        RetryAfter = retryAfter;
    }

    public Status Status { get; }

    public HttpStatusCode StatusCode => (HttpStatusCode)(Status.Code ?? 0);

    /// <summary>The Status reason: NotFound, Conflict, AlreadyExists, Expired, Invalid, TooManyRequests, ...</summary>
    public string? Reason => Status.Reason;

    /// <summary>The server's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Makes the most specific exception for <paramref name="status"/>.</summary>
    public static KubernetesApiException From(Status status, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        return (status.Code, status.Reason) switch
        {
            (_, StatusReasons.Expired) or (_, StatusReasons.Gone) or (410, _) => new ResourceExpiredException(status),
            (_, StatusReasons.NotFound) or (404, _) => new NotFoundException(status),
            (_, StatusReasons.AlreadyExists) => new AlreadyExistsException(status),
            (_, StatusReasons.Conflict) or (409, _) => new ConflictException(status),
            (_, StatusReasons.Invalid) or (422, _) => new InvalidException(status),
            (_, StatusReasons.TooManyRequests) or (429, _) => new TooManyRequestsException(status, retryAfter),
            (_, StatusReasons.Unauthorized) or (401, _) => new UnauthorizedException(status),
            (_, StatusReasons.Forbidden) or (403, _) => new ForbiddenException(status),
            _ => new KubernetesApiException(status, retryAfter),
        };
    }

    private static string Describe(Status status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var reason = string.IsNullOrEmpty(status.Reason) ? "Error" : status.Reason;
        return status.Code is { } code ? $"{reason} ({code}): {status.Message}" : $"{reason}: {status.Message}";
    }
}

/// <summary>404: the object (or its namespace) does not exist.</summary>
public sealed class NotFoundException(Status status) : KubernetesApiException(status);

/// <summary>409 Conflict: the object changed since it was read (stale resourceVersion).</summary>
public sealed class ConflictException(Status status) : KubernetesApiException(status);

/// <summary>409 AlreadyExists: create of a name that is taken.</summary>
public sealed class AlreadyExistsException(Status status) : KubernetesApiException(status);

/// <summary>410 Expired/Gone: a resourceVersion or continue token the server no longer has; relist.</summary>
public sealed class ResourceExpiredException(Status status) : KubernetesApiException(status);

/// <summary>422 Invalid, with the fields at fault.</summary>
public sealed class InvalidException(Status status) : KubernetesApiException(status)
{
    public IReadOnlyList<StatusCause> Causes => Status.Details?.Causes?.ToList() ?? [];
}

/// <summary>429: throttled by API priority and fairness, or an eviction blocked by a disruption budget.</summary>
public sealed class TooManyRequestsException(Status status, TimeSpan? retryAfter) : KubernetesApiException(status, retryAfter);

/// <summary>401: the credentials were not accepted.</summary>
public sealed class UnauthorizedException(Status status) : KubernetesApiException(status);

/// <summary>403: authenticated but not allowed.</summary>
public sealed class ForbiddenException(Status status) : KubernetesApiException(status);

/// <summary>The reasons the API server puts in Status objects.</summary>
public static class StatusReasons
{
    public const string NotFound = "NotFound";
    public const string AlreadyExists = "AlreadyExists";
    public const string Conflict = "Conflict";
    public const string Expired = "Expired";
    public const string Gone = "Gone";
    public const string Invalid = "Invalid";
    public const string TooManyRequests = "TooManyRequests";
    public const string Unauthorized = "Unauthorized";
    public const string Forbidden = "Forbidden";
    public const string BadRequest = "BadRequest";
    public const string InternalError = "InternalError";
    public const string Timeout = "Timeout";
    public const string ServiceUnavailable = "ServiceUnavailable";
}
