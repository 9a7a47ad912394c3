using System.IO.MemoryMappedFiles;

namespace LlmLab.Formats;

/// <summary>
/// A whole file mapped read-only with its base pointer held, so tensor views can point into it without copying; the
/// OS pages bytes in as they are read. Both checkpoint readers (safetensors, GGUF) open their files through this.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private bool _disposed;

    private MappedFile(MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        _map = map;
        _view = view;
        Pointer = pointer;
        Length = length;
    }

    /// <summary>First byte of the file.</summary>
    public byte* Pointer { get; }

    /// <summary>Bytes mapped (the file's length when mapped).</summary>
    public long Length { get; }

    /// <summary>Maps the first <paramref name="length"/> (&gt; 0) bytes of <paramref name="path"/>.</summary>
    public static MappedFile Map(string path, long length)
    {
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            return new MappedFile(map, view, pointer + view.PointerOffset, length);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="open"/> on the full path of an existing file, turning I/O failures (permissions, a file
    /// shrinking under us, a failed mapping) into one-line <see cref="InvalidCheckpointException"/>s naming the file.
    /// </summary>
    public static T OpenChecked<T>(string path, Func<string, T> open)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new InvalidCheckpointException($"{path}: file not found");
        try
        {
            return open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
