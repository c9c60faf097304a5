using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// How an image set's inventory says its memory pages are stored (checkpoint-shapes.md §1.2): <c>compress</c> 0 off,
/// 1 per page, 2 region (with the region size in bytes). Checked as go-criu and crit check it.
/// </summary>
public sealed record PagesCompression(uint Mode, uint RegionBytes)
{
    /// <summary>Pages are stored raw.</summary>
    public const uint Off = 0;

    /// <summary>Each page is compressed on its own.</summary>
    public const uint PerPage = 1;

    /// <summary>Regions of <see cref="RegionBytes"/> are compressed together.</summary>
    public const uint Region = 2;

    /// <summary>CRTOOLS_IMAGES_V1_2: the image version of dumps with compressed pages.</summary>
    public const uint ImageVersion3 = 3;

    /// <summary>Largest region (CRIU's MAX_REGION_SIZE).</summary>
    public const int MaxRegionBytes = 4 << 20;

    /// <summary>The inventory's <c>img_version</c>.</summary>
    public uint ImageVersion { get; init; }

    /// <exception cref="InvalidCheckpointException">An unknown mode, a mode without image version 3, or a bad region size.</exception>
    public static PagesCompression FromInventory(InventoryEntry inventory, string name = "inventory.img")
    {
        var mode = inventory.Compress;
        if (mode > Region)
            throw new InvalidCheckpointException($"{name}: unknown compress mode {mode}");
        if (mode != Off && inventory.ImgVersion != ImageVersion3)
            throw new InvalidCheckpointException($"{name}: compress mode {mode} needs img_version {ImageVersion3}, not {inventory.ImgVersion}");
        if (mode == Region)
        {
            var size = inventory.CompressRegionSize;
            if (!inventory.HasCompressRegionSize || size == 0 || size % 4096 != 0 || size > MaxRegionBytes)
                throw new InvalidCheckpointException($"{name}: compress_region_size {size} is not a multiple of 4096 between 4096 and {MaxRegionBytes}");
        }
        else if (inventory.HasCompressRegionSize)
        {
            throw new InvalidCheckpointException($"{name}: compress_region_size is set, but compress mode {mode} is not region mode");
        }
        return new PagesCompression(mode, inventory.CompressRegionSize) { ImageVersion = inventory.ImgVersion };
    }
}
