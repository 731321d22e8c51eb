using System.Net;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Api;

/// <summary>One cause of an Invalid (422) or BadRequest error, as Kubernetes reports it in <c>details.causes</c>.</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// An error the API server answers with a <c>Status</c> object. Every failure a client can cause is one of these,
/// so that kubectl prints "Error from server (Reason): message" exactly as it does for a real cluster.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, string? name = null, string? kind = null, string? group = null,
        IReadOnlyList<StatusCause>? causes = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Name = name;
        Kind = kind;
        Group = group;
        Causes = causes ?? [];
        RetryAfterSeconds = retryAfterSeconds;
    }

    public int Code { get; }
    public string Reason { get; }
    public string? Name { get; }
    public string? Kind { get; }
    public string? Group { get; }
    public IReadOnlyList<StatusCause> Causes { get; }
    public int? RetryAfterSeconds { get; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Name is not null || Kind is not null || Causes.Count > 0 || RetryAfterSeconds is not null)
        {
            var details = new JsonObject();
            if (Name is not null) details["name"] = Name;
            if (Group is not null) details["group"] = Group;
            if (Kind is not null) details["kind"] = Kind;
            if (Causes.Count > 0)
            {
                var arr = new JsonArray();
                foreach (var c in Causes)
                    arr.Add(new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field });
                details["causes"] = arr;
            }
            if (RetryAfterSeconds is { } r) details["retryAfterSeconds"] = r;
            status["details"] = details;
        }
        status["code"] = Code;
        return status;
    }

    public static ApiException BadRequest(string message) => new((int)HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiException NotFound(string resource, string name, string group = "") =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", name, resource, NullIfEmpty(group));

    public static ApiException NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiException AlreadyExists(string resource, string name, string group = "") =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", name, resource, NullIfEmpty(group));

    public static ApiException Conflict(string resource, string name, string group = "") =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            name, resource, NullIfEmpty(group));

    public static ApiException ConflictWithMessage(string resource, string name, string message, string group = "") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": {message}", name, resource, NullIfEmpty(group));

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException Invalid(string kind, string name, IReadOnlyList<StatusCause> causes, string group = "")
    {
        var what = string.IsNullOrEmpty(group) ? kind : $"{kind}.{group}";
        var list = string.Join(", ", causes.Select(c => string.IsNullOrEmpty(c.Field) ? c.Message : $"{c.Field}: {c.Message}"));
        var message = causes.Count == 1 ? $"{what} \"{name}\" is invalid: {list}" : $"{what} \"{name}\" is invalid: [{list}]";
        return new ApiException(422, "Invalid", message, name, kind, NullIfEmpty(group), causes);
    }

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{(contentType.Length > 0 ? "" : "")}");

    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiException TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "Too many requests, please try again later.", retryAfterSeconds: retryAfterSeconds);

    public static ApiException RequestEntityTooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    public static ApiException Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    private static string Qualified(string resource, string group) => string.IsNullOrEmpty(group) ? resource : $"{resource}.{group}";
    private static string? NullIfEmpty(string s) => string.IsNullOrEmpty(s) ? null : s;
}
