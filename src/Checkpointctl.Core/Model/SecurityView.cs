using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>Builds <see cref="ProcessSecurity"/> from a process's thread cores, <c>seccomp.img</c> and <c>inventory.img</c>.</summary>
public static class SecurityView
{
    /// <summary>The images the view reads (no memory).</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } =
        [.. CriuImages.ProcessTreeImages, ArchiveLayout.Image("seccomp.img"), ArchiveLayout.Image("inventory.img")];

    /// <summary>The security of an alive or stopped process (dead ones have no credentials in their core).</summary>
    public static ProcessSecurity Of(CriuImages images, ProcessNode node)
    {
        var core = images.Core(node.Pid);
        var thread = core.ThreadCore;
        var creds = thread?.Creds ?? new CredsEntry();
        var mode = thread is { HasSeccompMode: true } ? thread.SeccompMode : core.Tc?.OldSeccompMode ?? SeccompMode.Disabled;
        var filter = thread is { HasSeccompMode: true } ? thread.SeccompFilter : core.Tc?.OldSeccompFilter ?? 0;
        var (filters, instructions) = mode == SeccompMode.Filter ? Chain(images, filter) : (0, 0);
        var lsm = images.Has("inventory.img") ? images.Inventory().Lsmtype : Lsmtype.NoLsm;
        List<CapabilitySet> sets =
        [
            Set("inheritable", creds.CapInh), Set("permitted", creds.CapPrm), Set("effective", creds.CapEff), Set("bounding", creds.CapBnd),
        ];
        if (creds.CapAmb.Count > 0)
            sets.Add(Set("ambient", creds.CapAmb));
        var loginUid = core.Tc is { HasLoginuid: true } tc && tc.Loginuid != uint.MaxValue ? tc.Loginuid : (uint?)null;
        return new ProcessSecurity
        {
            Pid = node.Pid,
            Command = node.Comm,
            Uids = (creds.Uid, creds.Euid, creds.Suid, creds.Fsuid),
            Gids = (creds.Gid, creds.Egid, creds.Sgid, creds.Fsgid),
            Groups = [.. creds.Groups],
            CapabilitySets = sets,
            Securebits = creds.Secbits,
            NoNewPrivs = creds.HasNoNewPrivs ? creds.NoNewPrivs != 0 : null,
            SeccompMode = ThreadView.ModeName(mode),
            SeccompFilters = filters,
            SeccompInstructions = instructions,
            Lsm = lsm switch { Lsmtype.Selinux => "SELinux", Lsmtype.Apparmor => "AppArmor", Lsmtype.NoLsm => "none", _ => ((int)lsm).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            LsmProfile = creds.HasLsmProfile ? creds.LsmProfile : null,
            LsmSockcreate = creds.HasLsmSockcreate ? creds.LsmSockcreate : null,
            LoginUid = loginUid,
            ThreadsWithOtherCredentials = node.Threads.Where(t => t != node.Pid && !Equals(images.Core(t).ThreadCore?.Creds, thread?.Creds)).ToList(),
        };
    }

    private static CapabilitySet Set(string name, IList<uint> words)
    {
        var mask = Capabilities.Mask(words);
        return new CapabilitySet(name, mask, Capabilities.NamesOf(mask));
    }

    // The filters from the thread's index back through prev, and their instructions (8-byte sock_filter each).
    private static (int Filters, int Instructions) Chain(CriuImages images, uint index)
    {
        var count = ThreadView.SeccompChainLength(images, index);
        var filters = images.Seccomp().SeccompFilters;
        var instructions = 0;
        var i = (int)index;
        for (var n = 0; n < count; n++)
        {
            instructions += filters[i].Filter.Length / 8;
            i = (int)filters[i].Prev;
        }
        return (count, instructions);
    }
}
