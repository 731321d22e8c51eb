using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// A controller whose template history lives in ControllerRevisions (StatefulSet, DaemonSet): each distinct template is
/// one revision named <c>&lt;owner&gt;-&lt;hash&gt;</c> holding <c>{"spec":{"template":{...,"$patch":"replace"}}}</c>, which
/// <c>kubectl rollout history</c> lists and <c>kubectl rollout undo</c> applies back as a strategic merge patch.
/// </summary>
public abstract class RevisionedController(ControllerHub hub, string component, int workers = 1) : Controller(hub, component, workers)
{
    public const string HashLabel = "controller.kubernetes.io/hash";

    /// <summary>The revision data for an object's current template (<c>getPatch</c>).</summary>
    protected static JsonObject RevisionData(JsonObject owner)
    {
        var template = (JsonObject)(owner["spec"]?["template"]?.DeepClone() ?? new JsonObject());
        template["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = template } };
    }

    protected static long RevisionNumber(JsonObject revision) => Json.Long(revision["revision"]);

    /// <summary>The owner's revisions, adopting matching orphans, oldest first.</summary>
    protected List<JsonObject> Revisions(JsonObject owner, LabelSelector selector) =>
        [.. Claims.Claim(Hub, Hub.ControllerRevisions, owner, selector).OrderBy(RevisionNumber).ThenBy(Json.Created)];

    /// <summary>
    /// The revision for the owner's current template (reusing an equal one, renumbered to be the newest), and the
    /// collision count after any name collisions.
    /// </summary>
    protected (JsonObject Update, long CollisionCount) UpdateRevision(JsonObject owner, List<JsonObject> revisions)
    {
        var collisions = Json.Long(owner["status"]?["collisionCount"]);
        var data = RevisionData(owner);
        var next = revisions.Count == 0 ? 1 : RevisionNumber(revisions[^1]) + 1;
        var equal = revisions.Where(r => Json.Canonical(Json.Normalize(r["data"])) == Json.Canonical(Json.Normalize(data))).ToList();
        if (equal.Count > 0)
        {
            var latest = equal[^1];
            if (ReferenceEquals(latest, revisions[^1])) return (latest, collisions);
            var renumbered = Update(Hub.ControllerRevisions, Json.Namespace(owner), Json.Name(latest), o =>
            {
                o["revision"] = next;
                return true;
            }) ?? latest;
            revisions[revisions.IndexOf(latest)] = renumbered;
            revisions.Sort((a, b) => RevisionNumber(a).CompareTo(RevisionNumber(b)));
            return (renumbered, collisions);
        }
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var hash = TemplateHash.Revision(data, collisions);
            var labels = (JsonObject)(owner["spec"]?["template"]?["metadata"]?["labels"]?.DeepClone() ?? new JsonObject());
            labels[HashLabel] = hash;
            var revision = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ControllerRevision",
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{Json.Name(owner)}-{hash}",
                    ["namespace"] = Json.Namespace(owner),
                    ["labels"] = labels,
                    ["ownerReferences"] = new JsonArray(Json.ControllerRefTo(owner)),
                },
                ["data"] = data,
                ["revision"] = next,
            };
            try
            {
                var created = Create(Hub.ControllerRevisions, Json.Namespace(owner), revision);
                revisions.Add(created);
                return (created, collisions);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                var existing = Hub.Get(Hub.ControllerRevisions, Json.Namespace(owner), $"{Json.Name(owner)}-{hash}");
                if (existing is not null && Json.IsControlledBy(existing, owner)
                    && Json.Canonical(Json.Normalize(existing["data"])) == Json.Canonical(Json.Normalize(data)))
                    return (existing, collisions);
                collisions++;
            }
        }
        throw ApiException.Internal("could not find a free ControllerRevision name");
    }

    /// <summary>Deletes the oldest revisions beyond the history limit, keeping those still in use (<c>truncateHistory</c>).</summary>
    protected void TruncateHistory(JsonObject owner, List<JsonObject> revisions, ISet<string> live)
    {
        var limit = (int)Json.Long(owner["spec"]?["revisionHistoryLimit"], 10);
        var old = revisions.Where(r => !live.Contains(Json.Name(r))).ToList();
        var excess = old.Count - limit;
        foreach (var r in old.Take(Math.Max(0, excess))) Delete(Hub.ControllerRevisions, Json.Namespace(owner), Json.Name(r));
    }
}
