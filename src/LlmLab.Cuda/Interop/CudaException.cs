namespace LlmLab.Cuda.Interop;

/// <summary>
/// A call into an NVIDIA library failed. The message names the call and gives the library's own error
/// name and text, e.g. "cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
/// </summary>
public sealed class CudaException : Exception
{
    internal CudaException(string call, int code, string name, string text)
        : base($"{call} failed: {name} ({text})")
    {
        Call = call;
        Code = code;
        ErrorName = name;
    }

    /// <summary>The library function that failed.</summary>
    public string Call { get; }
    /// <summary>The library's numeric result.</summary>
    public int Code { get; }
    /// <summary>The library's name for the result, e.g. CUDA_ERROR_ILLEGAL_ADDRESS.</summary>
    public string ErrorName { get; }

    /// <summary>The function name in a call expression such as <c>CudaDriver.cuMemAlloc_v2(out p, n)</c>.</summary>
    internal static string CallName(string expression)
    {
        int paren = expression.IndexOf('(');
        var head = paren < 0 ? expression : expression[..paren];
        int dot = head.LastIndexOf('.');
        return (dot < 0 ? head : head[(dot + 1)..]).Trim();
    }
}
