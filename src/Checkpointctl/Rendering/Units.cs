using System.Globalization;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Human-readable sizes and times in upstream's formats.</summary>
public static class Units
{
    /// <summary>Upstream's <c>ByteToString</c>: 1024-based, <c>N B</c> below 1 KiB, else one decimal and KiB…EiB.</summary>
    public static string Bytes(long b)
    {
        const long unit = 1024;
        if (b < unit)
            return b.ToString(CultureInfo.InvariantCulture) + " B";
        long div = unit;
        var exp = 0;
        for (var n = b / unit; n >= unit; n /= unit)
        {
            div *= unit;
            exp++;
        }
        return ((double)b / div).ToString("F1", CultureInfo.InvariantCulture) + " " + "KMGTPE"[exp] + "iB";
    }
}
