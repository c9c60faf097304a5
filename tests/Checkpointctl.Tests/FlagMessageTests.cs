using Checkpointctl.Cli.Flags;

namespace Checkpointctl.Tests;

/// <summary>
/// Every command with bad flag values and unusable output paths: upstream's (pflag's, Go's) words, checked before
/// any input is opened (the archive named here does not exist), and never .NET's words or a temporary path.
/// </summary>
public class FlagMessageTests
{
    private const string Missing = "/nonexistent/checkpoint.tar";

    public static TheoryData<string[], string> BadFlags() => new()
    {
        { ["inspect", "-p", "-1", Missing], "invalid argument \"-1\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax" },
        { ["inspect", "--pid=4294967296", Missing], "invalid argument \"4294967296\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"4294967296\": value out of range" },
        { ["inspect", "--pid", "1e3", Missing], "invalid argument \"1e3\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"1e3\": invalid syntax" },
        { ["inspect", "--pid", "", Missing], "invalid argument \"\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"\": invalid syntax" },
        { ["inspect", "--pid", "1__0", Missing], "invalid argument \"1__0\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"1__0\": invalid syntax" },
        { ["inspect", "-p"], "flag needs an argument: 'p' in -p" },
        { ["inspect", "--pid"], "flag needs an argument: --pid" },
        { ["inspect", "--format", "yaml", Missing], "invalid output format: yaml" },
        { ["inspect", "--stats=maybe", Missing], "invalid argument \"maybe\" for \"--stats\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax" },
        { ["inspect", "--all=yes", Missing], "invalid argument \"yes\" for \"--all\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax" },
        { ["inspect", "--ps-tree=\t", Missing], "invalid argument \"\\t\" for \"--ps-tree\" flag: strconv.ParseBool: parsing \"\\t\": invalid syntax" },
        { ["memparse", "-p", "-1", Missing], "invalid argument \"-1\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax" },
        { ["memparse", "-p", "0x1_0000_0000", Missing], "invalid argument \"0x1_0000_0000\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"0x1_0000_0000\": value out of range" },
        { ["memparse", "-c", "x", Missing], "invalid argument \"x\" for \"-c, --context\" flag: strconv.ParseInt: parsing \"x\": invalid syntax" },
        { ["memparse", "-c", "9223372036854775808", Missing], "invalid argument \"9223372036854775808\" for \"-c, --context\" flag: strconv.ParseInt: parsing \"9223372036854775808\": value out of range" },
        { ["memparse", "-s", "x", Missing], "no process with PID 0 (use `inspect --ps-tree` to view all PIDs)" },
        { ["memparse", "-r", "x", Missing], "no process with PID 0 (use `inspect --ps-tree` to view all PIDs)" },
        { ["memparse", "--search-hex", "41", Missing], "no process with PID 0 (use `inspect --ps-tree` to view all PIDs)" },
        { ["memparse", "-p", "1", "-s", "x", "-c", "-1", Missing], "failed to search pattern in memory: context size cannot be negative" },
        { ["memparse", "-p", "1", "-s", "x", "-c", "-9223372036854775808", Missing], "failed to search pattern in memory: context size cannot be negative" },
        { ["memparse", "-p", "1", "-s", "x", "-c", "9223372036854775807", Missing], "failed to search pattern in memory: context size cannot be larger than 1048576" },
        { ["memparse", "-p", "1", "-o", "/nonexistent/dir/x.out", Missing], "open /nonexistent/dir/x.out: no such file or directory" },
        { ["memparse", "-p", "1", "-o", "/etc/hostname/x.out", Missing], "open /etc/hostname/x.out: not a directory" },
        { ["memparse", "-p", "1", "-o", "/", Missing], "open /: is a directory" },
        { ["memparse", "-p", "1", "-o", "/proc/x.out", Missing], "open /proc/x.out: no such file or directory" },
        { ["diff", "--format", "yaml", Missing, Missing], "invalid output format: yaml" },
        { ["diff", "--files=2", Missing, Missing], "invalid argument \"2\" for \"--files\" flag: strconv.ParseBool: parsing \"2\": invalid syntax" },
        { ["build", Missing, "a/b:c", "-o", "/nonexistent/dir/img.tar"], "open /nonexistent/dir/img.tar: no such file or directory" },
        { ["build", Missing, "a/b:c", "-o", "/"], "open /: is a directory" },
        { ["show", "--bogus", Missing], "unknown flag: --bogus" },
        { ["list", "-x"], "unknown shorthand flag: 'x' in -x" },
        { ["completion", "bash", "--no-descriptions=2"], "invalid argument \"2\" for \"--no-descriptions\" flag: strconv.ParseBool: parsing \"2\": invalid syntax" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public void Bad_flags_get_upstreams_words_before_any_input_is_read(string[] args, string expected)
    {
        Assert.Equal(expected, CliRunner.AssertError(CliRunner.Run(args)));
    }

    [Fact]
    public void Boolean_flags_read_go_values_and_take_no_separate_value()
    {
        var archive = TestPaths.Archive("simple-none.tar");
        var plain = CliRunner.Run("inspect", "--ps-tree", archive);
        Assert.Equal(0, plain.ExitCode);
        foreach (var spelling in new[] { "--ps-tree=true", "--ps-tree=1", "--ps-tree=T", "--ps-tree=TRUE" })
            Assert.Equal(plain, CliRunner.Run("inspect", spelling, archive));
        Assert.Equal(CliRunner.Run("inspect", archive), CliRunner.Run("inspect", "--ps-tree=false", archive));
        // As in cobra, "false" after a boolean flag is an argument (a checkpoint that does not exist).
        Assert.Equal("stat false: no such file or directory", CliRunner.AssertError(CliRunner.Run("inspect", "--ps-tree", "false", archive)));
    }

    [Fact]
    public void Pid_values_are_read_in_any_go_base()
    {
        var archive = TestPaths.Archive("simple-none.tar");
        var decimalPid = CliRunner.Run("inspect", "--ps-tree", "--pid", "1", archive);
        Assert.Equal(0, decimalPid.ExitCode);
        foreach (var pid in new[] { "0x1", "01", "0b1", "0o1", "+1"[1..] })
            Assert.Equal(decimalPid, CliRunner.Run("inspect", "--ps-tree", "--pid", pid, archive));
    }

    [Theory]
    [InlineData("0", 0UL, null)]
    [InlineData("4294967295", 4294967295UL, null)]
    [InlineData("0xFFFF_FFFF", 4294967295UL, null)]
    [InlineData("0_1", 1UL, null)]
    [InlineData("010", 8UL, null)]
    [InlineData("0x", null, "invalid syntax")]
    [InlineData("08", null, "invalid syntax")]
    [InlineData("_1", null, "invalid syntax")]
    [InlineData("1_", null, "invalid syntax")]
    [InlineData("+1", null, "invalid syntax")]
    [InlineData(" 1", null, "invalid syntax")]
    [InlineData("4294967296", null, "value out of range")]
    [InlineData("99999999999999999999999x", null, "value out of range")]
    public void Unsigned_values_follow_go_strconv(string text, ulong? expected, string? error)
    {
        var value = GoStrconv.ParseUint(text, 32, out var message);
        Assert.Equal(expected, value);
        Assert.Equal(error == null ? null : $"strconv.ParseUint: parsing {GoStrconv.Quote(text)}: {error}", message);
    }

    [Theory]
    [InlineData("-9223372036854775808", long.MinValue, null)]
    [InlineData("9223372036854775807", long.MaxValue, null)]
    [InlineData("-0x10", -16L, null)]
    [InlineData("+7", 7L, null)]
    [InlineData("-", null, "invalid syntax")]
    [InlineData("--1", null, "invalid syntax")]
    [InlineData("9223372036854775808", null, "value out of range")]
    [InlineData("-9223372036854775809", null, "value out of range")]
    public void Signed_values_follow_go_strconv(string text, long? expected, string? error)
    {
        var value = GoStrconv.ParseInt(text, 64, out var message);
        Assert.Equal(expected, value);
        Assert.Equal(error == null ? null : $"strconv.ParseInt: parsing {GoStrconv.Quote(text)}: {error}", message);
    }

    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("\u0001\n\u007f", "\"\\x01\\n\\x7f\"")]
    [InlineData("é€", "\"é€\"")]
    [InlineData("\u00a0\u200b", "\"\\u00a0\\u200b\"")]
    public void Values_are_quoted_as_go_quotes_them(string text, string quoted) => Assert.Equal(quoted, GoStrconv.Quote(text));
}
