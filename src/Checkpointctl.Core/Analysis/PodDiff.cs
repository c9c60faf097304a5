using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>
/// <c>diff</c> of inputs that may be pod checkpoints: one container diff when each side is (or selects) one container,
/// else the containers of two pods paired by name (a container only in one pod is listed as such).
/// </summary>
public sealed class PodDiff
{
    /// <summary>Pod A's name (B's when A's is not recorded).</summary>
    public required string PodName { get; init; }

    /// <summary>Each side is one container: <see cref="Containers"/> holds its one diff, shown as for container checkpoints.</summary>
    public required bool IsSingle { get; init; }

    /// <summary>The diffs of containers in both, in pod A's order.</summary>
    public required IReadOnlyList<CheckpointDiff> Containers { get; init; }

    /// <summary>Containers only in pod A, by name.</summary>
    public IReadOnlyList<string> OnlyInA { get; init; } = [];
    /// <summary>Containers only in pod B, by name.</summary>
    public IReadOnlyList<string> OnlyInB { get; init; } = [];

    /// <summary>Reads both inputs (each in one pass) and compares them.</summary>
    /// <exception cref="CheckpointException">As <see cref="CheckpointDiff.Read"/>; a pod compared with one container without a selection.</exception>
    public static PodDiff Read(string pathA, string pathB, DiffOptions options, IReadOnlyList<string> containers)
    {
        var inspect = options.ToInspectOptions();
        var a = CheckpointDiff.Load("checkpointA", () => Inspection.ReadAll(pathA, inspect, containers));
        var b = CheckpointDiff.Load("checkpointB", () => Inspection.ReadAll(pathB, inspect, containers));
        var selected = containers.Count > 0;
        if (a.IsSingleContainer(selected) || b.IsSingleContainer(selected))
        {
            foreach (var (which, side) in new[] { ("checkpointA", a), ("checkpointB", b) })
            {
                if (side.Items.Count > 1)
                {
                    throw new InvalidCheckpointException($"failed to load {which}: pod checkpoint {side.Path} has {side.Items.Count} containers "
                        + $"({string.Join(", ", side.Items.Select(i => i.Container!.Name))}); select one with --container");
                }
            }
            return new PodDiff
            {
                PodName = a.Pod?.Name ?? b.Pod?.Name ?? "",
                IsSingle = true,
                Containers = [CheckpointDiff.Compare(a.Items[0].Value, b.Items[0].Value, options, sameContainer: a.Pod == null || b.Pod == null)],
            };
        }
        var byName = b.Items.ToDictionary(i => i.Container!.Name, StringComparer.Ordinal);
        var names = a.Items.Select(i => i.Container!.Name).ToHashSet(StringComparer.Ordinal);
        return new PodDiff
        {
            PodName = a.Pod!.Name.Length > 0 ? a.Pod.Name : b.Pod!.Name,
            IsSingle = false,
            Containers = a.Items.Where(i => byName.ContainsKey(i.Container!.Name))
                .Select(i => CheckpointDiff.Compare(i.Value, byName[i.Container!.Name].Value, options, sameContainer: false)).ToList(),
            OnlyInA = a.Items.Select(i => i.Container!.Name).Where(n => !byName.ContainsKey(n)).ToList(),
            OnlyInB = b.Items.Select(i => i.Container!.Name).Where(n => !names.Contains(n)).ToList(),
        };
    }
}
