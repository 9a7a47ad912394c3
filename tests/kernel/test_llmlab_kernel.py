"""Jupyter conformance of LlmLab's kernel, with Debian's jupyter_kernel_test 0.4.5 (the test base that kernel
authors use; it drives the kernel over ZeroMQ as JupyterLab and nbclient do and validates every message against
the protocol's schemas).

Run by .ci/run after `llmlab kernel install --prefix DIR` with JUPYTER_PATH=DIR/share/jupyter:
    python3 -m unittest tests/kernel/test_llmlab_kernel.py -v
"""

import time
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

    # Beyond the base class: what VS Code and JupyterLab rely on besides the samples above.

    def test_plotly_chart_data_is_a_json_object(self):
        self.flush_channels()
        reply, outputs = self.execute_helper(
            'new ChartBuilder().Title("t").Bar(new[] { "a" }, new[] { 1.0 }, "n").Build()'
        )
        self.assertEqual(reply["content"]["status"], "ok")
        (result,) = [m for m in outputs if m["msg_type"] == "execute_result"]
        figure = result["content"]["data"]["application/vnd.plotly.v1+json"]
        self.assertIsInstance(figure, dict)
        self.assertEqual(figure["data"][0]["type"], "bar")
        self.assertIn("text/plain", result["content"]["data"])

    def test_update_display_data_replaces_a_display_by_its_id(self):
        self.flush_channels()
        reply, outputs = self.execute_helper('var shown = display("step 1");\nshown.Update("done");')
        self.assertEqual(reply["content"]["status"], "ok")
        (shown,) = [m for m in outputs if m["msg_type"] == "display_data"]
        (update,) = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertEqual(shown["content"]["transient"]["display_id"], update["content"]["transient"]["display_id"])
        self.assertEqual(update["content"]["data"]["text/plain"], "done")

    def test_console_readline_asks_through_stdin(self):
        self.flush_channels()
        msg_id = self.kc.execute('Console.ReadLine().ToUpperInvariant()', allow_stdin=True)
        request = self.kc.get_stdin_msg(timeout=jupyter_kernel_test.TIMEOUT)
        self.assertEqual(request["msg_type"], "input_request")
        self.kc.input("q4_k_m")
        reply = self.get_non_kernel_info_reply(timeout=jupyter_kernel_test.TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        while True:
            message = self.kc.get_iopub_msg(timeout=jupyter_kernel_test.TIMEOUT)
            if message["msg_type"] == "execute_result":
                self.assertEqual(message["content"]["data"]["text/plain"], "Q4_K_M")
                break

    def test_interrupt_stops_a_running_cell_and_the_kernel_lives_on(self):
        self.flush_channels()
        self.kc.execute("long i = 0;\nwhile (true) { i++; }")
        time.sleep(1)
        self.km.interrupt_kernel()  # interrupt_mode "message": an interrupt_request on the control channel
        reply = self.get_non_kernel_info_reply(timeout=jupyter_kernel_test.TIMEOUT)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Cancelled")
        self.flush_channels()
        reply, _ = self.execute_helper("1 + 1")
        self.assertEqual(reply["content"]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
