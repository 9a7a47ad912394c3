"""The same jupyter_kernel_test 0.4.5 samples as tests/kernel/test_llmlab_kernel.py's base part, against the
.NET Interactive C# kernel (the Microsoft.dotnet-interactive tool 1.0.712001, kernelspec '.net-csharp'), for issue 14's
closing note: the two kernels side by side. Not part of CI (the kernel is deprecated and fails these by design).

    dotnet tool install Microsoft.dotnet-interactive --version 1.0.712001 --tool-path /tmp/di
    /tmp/di/dotnet-interactive jupyter install --path /tmp/di-jupyter/kernels
    JUPYTER_PATH=/tmp/di-jupyter PATH=/tmp/di:$PATH python3 -m unittest notes/notebooks/dotnet_interactive_conformance.py -v
"""

import os
import unittest

import jupyter_kernel_test


class DotnetInteractiveKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("DOTNET_INTERACTIVE_KERNEL", ".net-csharp")
    language_name = "C#"
    file_extension = ".cs"

    code_hello_world = 'Console.WriteLine("hello, world");'
    code_stderr = 'Console.Error.WriteLine("a warning");'
    code_execute_result = [{"code": "6 * 7", "result": "42"}]
    code_display_data = [{"code": 'display("x");', "mime": "text/plain"}]
    code_generate_error = 'throw new InvalidOperationException("boom");'
    completion_samples = [{"text": "Console.WriteL", "matches": {"WriteLine"}}]
    complete_code_samples = ["var x = 1;"]
    incomplete_code_samples = ["for (var i = 0; i < 3; i++) {"]
    code_inspect_sample = "Console.WriteLine"


if __name__ == "__main__":
    unittest.main()
