#!/usr/bin/env python3
"""Checks an executed notebook of the Polyglot extension run (execute.py's output) and prints one line per check.

usage: check.py EXECUTED.ipynb

- every code cell ran (has an execution count) and none failed, except cells tagged "raises-exception", whose error
  must be one line with no .NET stack trace;
- every magic cell shows output (a stream or a display);
- every display of an LlmLab record or chart offers text/html and text/plain;
- any application/*+json value is a JSON object, not a string (what Jupyter's renderers expect);
- no HTML output loads anything from the network (no http(s) script or CDN URL): charts draw offline;
- the load cell put plotly.js in the page, and at least one chart was drawn as HTML.
Ends with "polyglot: N checks passed, N failed" and exits 1 when any failed.
"""
import re
import sys

import nbformat

JSON_MIME = re.compile(r"^application/(.*\+)?json$")
# A script element with a src, a script that sets one to a URL, or Plotly's CDN: the ways an output loads code.
# The bundle itself names URLs for map tiles and topojson (geo charts, which LlmLab does not draw): it is left out.
BUNDLE = re.compile(r"<script[^>]*>/\* plotly\.js [^*]*MIT license.*?</script>", re.DOTALL)
NETWORK = re.compile(r"""<script[^>]*\ssrc\s*=|\.src\s*=\s*['"]https?:|cdn\.plot\.ly""", re.IGNORECASE)


def text(value):
    return "".join(value) if isinstance(value, list) else value


def main(path):
    nb = nbformat.read(path, as_version=4)
    results = []

    def check(ok, what):
        results.append(ok)
        print(f"polyglot: {'ok  ' if ok else 'FAIL'} {what}")

    code = [c for c in nb.cells if c.cell_type == "code"]
    plotly_loaded = charts = 0
    for index, cell in enumerate(code, 1):
        first = cell.source.splitlines()[0] if cell.source else ""
        name = f"cell {index} `{first[:60]}`"
        expect_error = "raises-exception" in cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        check(cell.execution_count is not None, f"{name} ran")
        if expect_error:
            trace = "\n".join(errors[0].traceback) if errors else ""
            one_line = len(errors) == 1 and "\n" not in errors[0].evalue.strip() and not re.search(r"^\s+at ", trace, re.M)
            check(one_line, f"{name} fails with one line and no stack trace: {errors[0].evalue.strip() if errors else 'no error'}")
        else:
            check(not errors, f"{name} has no error" + (f": {errors[0].ename}: {errors[0].evalue[:300]}" if errors else ""))
        if first.startswith("#!llm-") and not expect_error:
            check(any(o.output_type in ("stream", "display_data", "execute_result") for o in cell.outputs), f"{name} shows output")
        for output in cell.outputs:
            data = output.get("data", {})
            for mime, value in data.items():
                if JSON_MIME.match(mime):
                    check(isinstance(value, dict), f"{name}: {mime} is a JSON object")
            html = text(data.get("text/html", ""))
            if "window.Plotly" in html or "plotly.js" in html:
                if "llmlab-loaded" in html:
                    plotly_loaded += 1
                check(not NETWORK.search(BUNDLE.sub("", html)), f"{name}: HTML output loads nothing from the network")
            if 'class="llmlab-chart"' in html:
                charts += html.count('class="llmlab-chart"')
            if 'class="llmlab-record"' in html or 'class="llmlab-chart"' in html:
                check("text/plain" in data, f"{name}: an LlmLab value offers text/plain beside text/html")
    check(plotly_loaded == 1, f"the load cell put plotly.js in the page once ({plotly_loaded})")
    check(charts > 0, f"charts drawn as HTML: {charts}")
    passed, failed = results.count(True), results.count(False)
    print(f"polyglot: {passed} checks passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
