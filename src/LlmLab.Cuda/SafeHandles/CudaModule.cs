using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A loaded cubin (or PTX) image and the kernels looked up in it.</summary>
internal sealed unsafe class CudaModule : ContextBoundHandle
{
    private readonly Dictionary<string, nint> _functions = [];

    private CudaModule(CudaContext context, nint module, string name) : base(context, module) => Name = name;

    /// <summary>Kernel source file the image was compiled from.</summary>
    public string Name { get; }

    /// <summary>Loads <paramref name="image"/> (a cubin, or NUL-terminated PTX) into the current context.</summary>
    public static CudaModule Load(CudaContext context, byte[] image, string name)
    {
        nint module;
        fixed (byte* p = image) CudaDriver.Check(CudaDriver.cuModuleLoadData(out module, p));
        return new CudaModule(context, module, name);
    }

    /// <summary>The kernel <paramref name="kernel"/> (an extern "C" __global__ function).</summary>
    public nint Function(string kernel)
    {
        lock (_functions)
        {
            if (_functions.TryGetValue(kernel, out var f)) return f;
            int result = CudaDriver.cuModuleGetFunction(out f, handle, kernel);
            if (result != CudaDriver.Success)
                throw new CudaException($"cuModuleGetFunction({Name}:{kernel})", result, CudaDriver.ErrorName(result), CudaDriver.ErrorText(result));
            _functions[kernel] = f;
            return f;
        }
    }

    protected override bool Free(nint value) => CudaDriver.cuModuleUnload(value) == CudaDriver.Success;
}
