using System.Runtime.InteropServices;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>
/// A driver resource that belongs to a context. It keeps the context alive (reference count) and frees
/// itself with the context pushed, so a release from the finalizer thread works too.
/// </summary>
internal abstract class ContextBoundHandle : SafeHandle
{
    protected ContextBoundHandle(CudaContext context, nint value) : base(0, ownsHandle: true)
    {
        bool added = false;
        context.DangerousAddRef(ref added);
        Context = context;
        SetHandle(value);
    }

    /// <summary>The owning context.</summary>
    public CudaContext Context { get; }

    public override bool IsInvalid => handle == 0;

    protected sealed override bool ReleaseHandle()
    {
        bool ok;
        using (Context.Push()) ok = Free(handle);
        Context.DangerousRelease();
        return ok;
    }

    /// <summary>Frees the native resource (the context is current).</summary>
    protected abstract bool Free(nint value);
}
