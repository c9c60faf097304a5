using System.Text.Json.Nodes;

namespace Checkpointctl.Tests;

/// <summary>The views, <c>image</c>, <c>check</c> and the memparse filters on checkpoint images (OCI archive, OCI directory, docker archive, containerd's own, buildah's).</summary>
public class ViewImageShapeTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "images", name);

    /// <summary>Podman's image of one checkpoint in every transport.</summary>
    private static readonly string[] PodmanShapes =
        ["podman-image/ckpt-image.oci.tar", "podman-image/ckpt-image.oci-dir", "podman-image/ckpt-image.docker.tar"];

    [Fact]
    public void Podman_image_gives_the_same_views_in_every_transport()
    {
        string? expected = null, image = null, list = null;
        foreach (var shape in PodmanShapes)
        {
            var json = JsonNode.Parse(CliRunner.Run("inspect", Fixture(shape), "--everything", "--format", "json").Stdout)!.AsArray()[0]!.AsObject();
            var views = new JsonObject();
            foreach (var key in ViewGoldenTests.ViewKeys)
                views[key] = json[key]!.DeepClone();
            Assert.NotEmpty(views["threads"]!.AsArray());
            Assert.NotEmpty(views["memory_map"]!.AsArray());
            var text = views.ToJsonString();
            Assert.Equal(expected ??= text, text);
            var pstree = CliRunner.Run("image", Fixture(shape), "pstree.img", "core-1.img");
            Assert.Equal(0, pstree.ExitCode);
            Assert.Equal(image ??= pstree.Stdout, pstree.Stdout);
            var listing = CliRunner.Run("image", Fixture(shape), "--list").Stdout;
            Assert.Equal(list ??= listing, listing);
            Assert.Equal(0, CliRunner.Run("check", Fixture(shape), "--skip-host").ExitCode);
        }
    }

    [Theory]
    [InlineData("containerd/fx-ckpt-ctr.tar")]
    [InlineData("buildah-image/ckpt-built.oci.tar")]
    public void Other_images_read_like_checkpoints(string shape)
    {
        var path = Fixture(shape);
        var json = JsonNode.Parse(CliRunner.Run("inspect", path, "--everything", "--format", "json").Stdout)!.AsArray()[0]!.AsObject();
        Assert.NotEmpty(json["threads"]!.AsArray());
        Assert.NotEmpty(json["security"]!.AsArray());
        Assert.Equal(0, CliRunner.Run("check", path, "--skip-host").ExitCode);
        Assert.StartsWith("{\n    \"magic\": \"PSTREE\"", CliRunner.Run("image", path, "pstree.img").Stdout);
        Assert.Contains("[heap]", CliRunner.Run("memparse", path, "--mapping", "heap").Stdout);
    }
}
