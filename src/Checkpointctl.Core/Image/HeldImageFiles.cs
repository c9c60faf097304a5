using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>The files of an image tar read as a stream: small files held in memory, the others known by their size.</summary>
internal sealed class HeldImageFiles(string path) : ImageFiles(path, isDirectory: false)
{
    private readonly Dictionary<string, byte[]> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _links = new(StringComparer.Ordinal);

    public long HeldBytes { get; private set; }

    public int Count => _sizes.Count + _links.Count;

    public void Hold(string name, byte[] data)
    {
        Forget(name);
        _held[name] = data;
        _sizes[name] = data.Length;
        HeldBytes += data.Length;
    }

    public void AddSize(string name, long size)
    {
        Forget(name);
        _sizes[name] = size;
    }

    public void AddLink(string name)
    {
        Forget(name);
        _links.Add(name);
    }

    public bool IsHeld(string name) => _held.ContainsKey(name);

    public override bool Exists(string name) => _sizes.ContainsKey(name);

    public override long SizeOf(string name) => _sizes.TryGetValue(name, out var size) ? size : throw (_links.Contains(name) ? Link(name) : Missing(name));

    public override RandomAccessData Open(string name)
    {
        if (_held.TryGetValue(name, out var data))
            return RandomAccessData.FromMemory(data);
        if (_sizes.TryGetValue(name, out var size))
            return new UnavailableData(Path, name, size);
        throw _links.Contains(name) ? Link(name) : Missing(name);
    }

    // A later member of the same name replaces an earlier one, as extracting the tar would.
    private void Forget(string name)
    {
        if (_held.Remove(name, out var old))
            HeldBytes -= old.Length;
        _sizes.Remove(name);
        _links.Remove(name);
    }
}
