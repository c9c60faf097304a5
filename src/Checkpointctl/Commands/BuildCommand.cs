using System.CommandLine;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary>
/// <c>build CHECKPOINT IMAGE</c>: an OCI image made from a checkpoint archive. With <c>--output</c> it is written
/// in-process as an OCI archive file; without, it is stored in local container storage by buildah, as upstream does.
/// </summary>
internal sealed class BuildCommand : CliCommand
{
    private readonly Argument<string[]> _args = new("args") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> _output = new("--output", "-o");

    public BuildCommand() : base("build", "Create an OCI image from a container checkpoint archive", "build <checkpoint-path> <image-name>")
    {
        Command.Arguments.Add(_args);
        Command.Options.Add(_output);
    }

    public override string LongHelp => """
        The 'build' command converts a container checkpoint archive into an OCI-compatible image.
        Metadata from the checkpoint archive is extracted and applied as OCI image annotations.
        Without --output the image is stored in local container storage with buildah; with --output it is
        written, without buildah, to a file in OCI archive format. The annotations each runtime reads to
        restore the image (Podman's, CRI-O's, and containerd's org.criu.checkpoint.*) are also written as
        image labels. With --output the input may also be a checkpoint image (OCI archive, OCI directory,
        docker-archive or containerd checkpoint image): it is re-tagged, or converted to an image that holds
        the checkpoint archive.
        Example:
          checkpointctl build checkpoint.tar quay.io/foo/bar:latest
          buildah push quay.io/foo/bar:latest
          checkpointctl build checkpoint.tar quay.io/foo/bar:latest -o bar.tar
          skopeo copy oci-archive:bar.tar docker://quay.io/foo/bar:latest
        """;

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        ("-o, --output string", "Write the image to this file as an OCI archive (no buildah needed)"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var args = CliArgs.Exactly(parse.GetValue(_args), 2);
        var (checkpoint, imageName) = (args[0], args[1]);
        var output = parse.GetValue(_output);
        if (string.IsNullOrEmpty(output))
        {
            Buildah.Build(checkpoint, imageName, context);
            GoLog.Write(context.Error, $"Image '{imageName}' created successfully from checkpoint '{checkpoint}'");
            return 0;
        }
        OciImageResult? result = null;
        OutputFile.Write(output, stream => result = OciImageArchive.Write(checkpoint, imageName, stream));
        foreach (var (key, value) in result!.Image.Annotations)
            context.Out.Write($"Added annotation: {key}={value}\n");
        GoLog.Write(context.Error, $"Image '{imageName}' created successfully from checkpoint '{checkpoint}' in OCI archive '{output}' (manifest {result.Manifest.Digest})");
        return 0;
    }
}
