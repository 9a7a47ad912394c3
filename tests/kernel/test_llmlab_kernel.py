"""Jupyter conformance of LlmLab's kernel, with Debian's jupyter_kernel_test 0.4.5 (the test base that kernel
authors use; it drives the kernel over ZeroMQ as JupyterLab and nbclient do and validates every message against
the protocol's schemas).

Run by .ci/run after `llmlab kernel install --prefix DIR` with JUPYTER_PATH=DIR/share/jupyter:
    python3 -m unittest tests/kernel/test_llmlab_kernel.py -v
"""

import unittest

import jupyter_kernel_test


class LlmLabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "llmlab"

    # kernel_info_reply: language_info as the kernelspec says.
    language_name = "C#"
    file_extension = ".cs"

    code_hello_world = 'Console.WriteLine("hello, world");'
    code_stderr = 'Console.Error.WriteLine("a warning");'

    # A trailing expression is the cell's result (execute_result with text/plain).
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"LlmLab".Length', "result": "6"},
    ]

    # display(value) sends display_data with every MIME type LlmLab's formatters write.
    code_display_data = [
        {"code": 'display(new[] { new { Name = "q8_0", Bits = 8.5 } });', "mime": "text/html"},
        {"code": 'display(new[] { new { Name = "q8_0", Bits = 8.5 } });', "mime": "text/plain"},
        {
            "code": 'display(new ChartBuilder().Title("t").Bar(new[] { "a", "b" }, new[] { 1.0, 2.0 }, "n").Build());',
            "mime": "application/vnd.plotly.v1+json",
        },
    ]

    # An exception is one error message and an execute_reply with status "error".
    code_generate_error = 'throw new InvalidOperationException("boom");'

    completion_samples = [
        {"text": "Console.WriteL", "matches": {"WriteLine"}},
        {"text": "var tokensPerSecond = 1.0;\ntokensPerS", "matches": {"tokensPerSecond"}},
        {"text": '"abc".ToUpperInv', "matches": {"ToUpperInvariant"}},
    ]

    complete_code_samples = ["var x = 1;", "if (true) { x = 2; }", "#!llm-help", ""]
    incomplete_code_samples = ["for (var i = 0; i < 3; i++) {", "var s = Enumerable.Range(0, 4)\n    .Select(i => i *", "var x ="]
    invalid_code_samples = ["var = ;", "x + ) 2;"]

    code_inspect_sample = "Console.WriteLine"


if __name__ == "__main__":
    unittest.main()
