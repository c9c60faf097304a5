using System.CommandLine;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>image CHECKPOINT IMAGE_NAME...</c>: CRIU images decoded as <c>crit show</c> prints them, or <c>--list</c> of all.</summary>
internal sealed class ImageCommand : CliCommand
{
    private readonly Argument<string[]> _args = new("CHECKPOINT") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _list = new("--list");
    private readonly Option<string> _format = new("--format") { DefaultValueFactory = _ => "text" };
    private readonly Option<string[]> _container = ContainerOption.Create();

    public ImageCommand() : base("image", "Decode CRIU images of a checkpoint as crit show does", "image CHECKPOINT IMAGE_NAME...")
    {
        Command.Arguments.Add(_args);
        Command.Options.Add(_list);
        Command.Options.Add(_format);
        Command.Options.Add(_container);
    }

    public override string LongHelp =>
        "Decode CRIU images of a checkpoint as crit show does.\n\n" +
        "Each IMAGE_NAME is an image of the CRIU image directory (core-1.img, pstree.img, stats-dump; checkpoint/core-1.img\n" +
        "is accepted too). The images are read in place from any checkpoint: an archive (plain or compressed), an unpacked\n" +
        "checkpoint directory, a CRIU image directory, a checkpoint image or a container of a pod checkpoint (--container).\n" +
        "With --list, the images present are listed with their magic and size.";

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        (ContainerOption.HelpFlags, "Of a pod checkpoint, the container whose images to read, by name or ID"),
        ("--format string", "Output format of --list: text or json (default \"text\")"),
        ("--list", "List the images of the checkpoint with their magic names and sizes"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var args = parse.GetValue(_args) ?? [];
        var list = parse.GetValue(_list);
        var format = parse.GetValue(_format) ?? "text";
        if (format is not ("text" or "json"))
            throw new UsageException($"invalid output format: {format}");
        var containers = ContainerOption.Read(parse, _container);
        if (list)
        {
            CliArgs.Exactly(args, 1);
            WriteList(context.Out, CriuImageFiles.List(args[0], containers), format);
            return 0;
        }
        if (args.Length < 2)
            throw new UsageException($"requires at least 2 arg(s), only received {args.Length}");
        foreach (var name in args.Skip(1))
        {
            if (CriuImageFiles.MemberName(name) == null)
                throw new UsageException($"invalid image name \"{name}\": name an image of the CRIU image directory, e.g. core-1.img");
        }
        // Every image is decoded before anything is printed, so an error leaves no partial output.
        foreach (var document in CriuImageFiles.Show(args[0], args[1..], containers))
            context.Out.Write(document);
        return 0;
    }

    private static void WriteList(TextWriter output, IReadOnlyList<CriuImageFile> images, string format)
    {
        if (format == "json")
        {
            var w = new GoJsonWriter();
            w.BeginArray();
            foreach (var image in images)
            {
                w.BeginObject();
                w.Property("name", image.Name);
                w.Property("magic", image.Magic);
                w.Property("size", image.Size);
                w.EndObject();
            }
            w.EndArray();
            output.Write(w.ToString());
            output.Write('\n');
            return;
        }
        var table = new TabTable("IMAGE", "MAGIC", "SIZE");
        foreach (var image in images)
            table.AddRow(image.Name, image.Magic, image.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.WriteTo(output);
    }
}
