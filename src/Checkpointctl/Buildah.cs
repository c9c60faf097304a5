using System.Diagnostics;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Image;

namespace Checkpointctl.Cli;

/// <summary>
/// <c>build</c> without <c>--output</c>: stores the image in local container storage through the <c>buildah</c> binary,
/// as upstream does, with the same steps, messages and errors. Unlike upstream it checks the checkpoint before
/// running anything, sets the image platform from the checkpoint, writes the annotations in key order and also puts
/// them on a manifest list (index), where containerd looks for them.
/// </summary>
internal static class Buildah
{
    public static void Build(string checkpoint, string imageName, CliContext context)
    {
        CheckpointImage.CheckImageName(imageName);
        if (CheckpointImageReader.IsImage(checkpoint))
            throw new CheckpointException($"{checkpoint} is a checkpoint image: buildah adds only checkpoint archives; re-tag or convert it with --output");
        var image = CheckpointImage.Read(checkpoint);
        var container = Wrap("creating container failed", () => Run("from", "scratch")).Trim();
        try
        {
            Wrap("adding files to container failed", () => Run("add", container, checkpoint));
            var platform = image.Platform;
            string[] variant = platform.Variant != null ? ["--variant", platform.Variant] : [];
            Wrap("setting the image platform failed", () => Run(["config", "--os", platform.Os, "--arch", platform.Architecture, .. variant, container]));
            foreach (var (key, value) in image.Annotations)
            {
                try
                {
                    Run("config", "--annotation", $"{key}={value}", container);
                    context.Out.Write($"Added annotation: {key}={value}\n");
                }
                catch (BuildahException e)
                {
                    context.Out.Write($"Error setting annotation {key}={value}: {e.Message.TrimEnd()}\n");
                }
            }
            // The same keys as labels, as `build -o` writes them (a docker-archive copy keeps labels, not annotations).
            foreach (var (key, value) in image.Annotations)
            {
                try
                {
                    Run("config", "--label", $"{key}={value}", container);
                }
                catch (BuildahException e)
                {
                    context.Out.Write($"Error setting label {key}={value}: {e.Message.TrimEnd()}\n");
                }
            }
            var imageId = Wrap("committing container annotations failed", () => Run("commit", container, imageName)).Trim();
            AnnotateIndex(imageName, imageId, image, context);
        }
        finally
        {
            try
            {
                Run("rm", container);
            }
            catch (BuildahException e)
            {
                context.Out.Write($"Warning: failed to remove container {container}: {e.Message.TrimEnd()}\n");
            }
        }
    }

    // containerd reads the checkpoint annotations from the image index: a manifest list named like the image carries
    // them too. Older buildah (before `manifest annotate --index`) cannot; the image is still complete, so warn.
    private static void AnnotateIndex(string imageName, string imageId, CheckpointImage image, CliContext context)
    {
        var list = imageName + "-manifest";
        TryRun("manifest", "rm", list);
        try
        {
            Wrap("creating manifest failed", () => Run("manifest", "create", list, imageId));
            foreach (var (key, value) in image.Annotations)
                Wrap("annotating manifest failed", () => Run("manifest", "annotate", "--index", "--annotation", $"{key}={value}", list));
            Wrap("tagging manifest failed", () => Run("tag", list, imageName));
        }
        catch (BuildahException e)
        {
            context.Out.Write($"Warning: the image index was not annotated (containerd will not see a checkpoint image): {e.Message.TrimEnd()}\n");
        }
        finally
        {
            TryRun("manifest", "rm", list);
        }
    }

    private static T Wrap<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (BuildahException e)
        {
            throw new BuildahException($"{what}: {e.Message}");
        }
    }

    private static void TryRun(params string[] args)
    {
        try
        {
            Run(args);
        }
        catch (BuildahException)
        {
            // Only clean-up of a name that may not exist.
        }
    }

    /// <summary>Runs buildah; returns its stdout, or throws with upstream's message (Go's exec error and stderr).</summary>
    private static string Run(params string[] args)
    {
        var path = Find("buildah") ?? throw new BuildahException("buildah command failed: error: exec: \"buildah\": executable file not found in $PATH, stderr: ");
        var start = new ProcessStartInfo(path, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BuildahException($"buildah command failed: error: fork/exec {path}: {e.Message}, stderr: ");
        }
        using (process)
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new BuildahException($"buildah command failed: error: exit status {process.ExitCode}, stderr: {stderr.Result}");
            return stdout;
        }
    }

    // Go's exec.LookPath: the first executable file of that name in a PATH directory.
    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(file => File.Exists(file) && Plugins.IsExecutable(file));
}

/// <summary>A failed buildah step, in upstream's words.</summary>
internal sealed class BuildahException(string message) : Exception(message);
