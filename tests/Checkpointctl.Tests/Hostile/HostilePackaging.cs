using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests.Hostile;

/// <summary>
/// A variant's bytes as they travel in the packagings of checkpoint-shapes.md §2 and §3, unchanged: the layer of an
/// OCI archive (uncompressed, read in place; gzip and zstd, streamed) and the container archive of a generation-2
/// pod directory. The damage then meets the image and pod readers' paths through the same archive code.
/// </summary>
public static class HostilePackaging
{
    public const string PodContainer = "hostile";

    /// <summary>An oci-archive whose one layer is <paramref name="variant"/>; null when its compression is no layer's.</summary>
    public static string? OciArchive(string path, byte[] variant)
    {
        var mediaType = Compression.Detect(variant) switch
        {
            CompressionKind.None => "application/vnd.oci.image.layer.v1.tar",
            CompressionKind.Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            CompressionKind.Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            _ => null,
        };
        if (mediaType == null)
            return null;
        var layer = new TestBlob(mediaType, variant);
        var config = new TestBlob("application/vnd.oci.image.config.v1+json", TestImages.Json(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray("sha256:" + Convert.ToHexStringLower(SHA256.HashData(variant))) },
        }));
        var manifest = new TestBlob("application/vnd.oci.image.manifest.v1+json", TestImages.Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = config.Descriptor(),
            ["layers"] = new JsonArray(layer.Descriptor()),
        }), new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = "localhost/hostile:latest" });
        return new OciImage([config, layer, manifest], manifest, [], config).WriteOciArchive(path);
    }

    /// <summary>A generation-2 pod directory (manifest version 1) whose one container archive is <paramref name="variant"/>.</summary>
    public static string PodDirectory(string path, byte[] variant, HostileFixture fixture)
    {
        // The manifest names the container the fixture's config.dump names, so that check passes on intact data.
        var id = JsonDocument.Parse(fixture.Member("config.dump")?.Data ?? "{}"u8.ToArray()).RootElement.TryGetProperty("id", out var value)
            ? value.GetString() ?? "" : "";
        Directory.CreateDirectory(path);
        var archive = PodFiles.ArchiveName(id);
        File.WriteAllBytes(Path.Combine(path, archive), variant);
        PodFiles.WriteManifest(path, new Dictionary<string, object>
        {
            ["version"] = 1,
            ["sandboxId"] = PodFiles.SandboxId,
            ["containers"] = new[] { new Dictionary<string, object> { ["name"] = PodContainer, ["id"] = id, ["archive"] = archive } },
        });
        File.WriteAllBytes(Path.Combine(path, "pod-config.json"), TestImages.Json(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = PodFiles.PodName, ["uid"] = PodFiles.Uid, ["namespace"] = PodFiles.Namespace },
        }));
        return path;
    }
}
