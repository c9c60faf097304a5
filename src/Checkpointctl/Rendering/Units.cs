using System.Globalization;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Human-readable sizes and times in upstream's formats.</summary>
public static class Units
{
    /// <summary>Upstream's <c>ByteToString</c>: 1024-based, <c>N B</c> below 1 KiB, else one decimal and KiB…EiB.</summary>
    public static string Bytes(long b) => Scaled(b < 0 ? 0 : (ulong)b, "iB");

    /// <summary>Socket buffer sizes as go-criu prints them: 1024-based but written <c>KB</c>, <c>MB</c>, ….</summary>
    public static string SocketBytes(ulong b) => Scaled(b, "B");

    private static string Scaled(ulong b, string suffix)
    {
        const ulong unit = 1024;
        if (b < unit)
            return b.ToString(CultureInfo.InvariantCulture) + " B";
        ulong div = unit;
        var exp = 0;
        for (var n = b / unit; n >= unit; n /= unit)
        {
            div *= unit;
            exp++;
        }
        return ((double)b / div).ToString("F1", CultureInfo.InvariantCulture) + " " + "KMGTPE"[exp] + suffix;
    }

    /// <summary>
    /// CRIU statistics times (µs): below 1000 as <c>N µs</c>, else milliseconds or seconds with 5 significant digits.
    /// Unlike upstream, only fractional zeros are trimmed (upstream prints 140000 µs as "14 ms").
    /// </summary>
    public static string Microseconds(ulong us)
    {
        if (us < 1000)
            return us.ToString(CultureInfo.InvariantCulture) + " µs";
        var (value, unit) = us < 1_000_000 ? (us / 1000.0, "ms") : (us / 1_000_000.0, "s");
        var text = value.ToString("G5", CultureInfo.InvariantCulture);
        if (text.Contains('E'))
            text = value.ToString("F0", CultureInfo.InvariantCulture);
        if (text.Contains('.'))
            text = text.TrimEnd('0').TrimEnd('.');
        return text + " " + unit;
    }
}
