"""Load, while the planner reads a page, the parts of Streamlit's frontend the other pages need.

Streamlit's browser code comes in chunks: the first page loads what it shows, and a page
with an element the browser has not drawn yet (the allocation's editable grid, a slider, a
multiselect ...) first fetches and evaluates that element's chunk. On this 2-core machine
that made the first visit of a page 0.3-0.9 s slower than the next visit
(``bench/dashboard_speed.py``). Here, once a page is drawn and the browser has been quiet for
a moment, a small script imports those chunks, largest first; the page that needs one later
finds it loaded. It changes nothing on the page and sends nothing back; a chunk that fails to
load is loaded by the page that needs it, as before.

The chunks are found by name in the installed Streamlit's static folder (their file names
carry a content hash): :func:`chunk_files` raises if a name is missing, so a Streamlit
upgrade that renames one fails the tests instead of silently loading nothing.

>>> [p.split(".")[0] for p in chunk_files()["modules"]][:2]
['js/DataFrame', 'js/NumberInput']
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import streamlit as st

#: Element chunks the pages after the first use (the Overview and the sidebar load their own),
#: the largest first: the data grid (allocation, portfolio, scenarios tables), then the inputs.
CHUNKS = ("DataFrame", "NumberInput", "Slider", "Multiselect", "FileUploader", "Checkbox", "TextInput")
#: Stylesheets that come with a chunk (Streamlit adds them when it imports the chunk itself).
STYLES = ("DataFrame",)
#: Milliseconds without a long task on the main thread (and no script running) before a chunk
#: is imported: the page being drawn always comes first.
QUIET_MS = 400

STATIC = Path(st.__file__).parent / "static" / "static"

JS = """
export default function (component) {
  if (window.__fundmodelPrefetch) return;  // once per page load: the chunks stay loaded
  window.__fundmodelPrefetch = true;
  const { modules, styles, quiet_ms } = component.data;
  // files are addressed like the app's own imports: from its entry script (static/js/index.*.js)
  const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
  if (!entry) return;
  const url = (file) => new URL("../" + file, entry.src).href;
  let lastBusy = performance.now();
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) lastBusy = Math.max(lastBusy, e.startTime + e.duration);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { /* no long-task timing: the quiet time counts from now */ }
  const running = () => document.querySelector(
    '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]');
  const quiet = () => new Promise((resolve) => {
    const check = () => (!running() && performance.now() - lastBusy >= quiet_ms)
      ? resolve() : setTimeout(check, 100);
    setTimeout(check, quiet_ms);
  });
  (async () => {
    for (const file of styles) {
      const href = url(file);
      if (![...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        document.head.appendChild(link);
      }
    }
    for (const file of modules) {
      await quiet();
      try { await import(url(file)); } catch (e) { /* the page that needs it loads it */ }
    }
  })();
}
"""


@functools.cache
def chunk_files(folder: Path = STATIC) -> dict[str, list[str]]:
    """The paths (relative to ``folder``, Streamlit's static folder) of the :data:`CHUNKS`
    modules (``js/``) and the :data:`STYLES` sheets (``css/``).

    Raises ``FileNotFoundError`` naming a chunk with no file, or more than one."""

    def one(chunk: str, ext: str) -> str:
        sub = folder / ext
        names = [p.name for p in sub.iterdir()] if sub.is_dir() else []
        # Vite's file names: the chunk's name, an 8-character content hash, the extension
        found = [n for n in names if re.fullmatch(rf"{re.escape(chunk)}\.[A-Za-z0-9_-]{{8}}\.{ext}", n)]
        if len(found) != 1:
            raise FileNotFoundError(f"{sub}: {len(found)} files for chunk {chunk}.*.{ext}")
        return f"{ext}/{found[0]}"

    return {"modules": [one(c, "js") for c in CHUNKS], "styles": [one(s, "css") for s in STYLES]}


@functools.cache
def _component():
    return st.components.v2.component("fundmodel_prefetch", js=JS)


def prefetch_chunks() -> None:
    """Mount the script that imports :func:`chunk_files` once the page is quiet (invisible:
    ``main.CSS`` hides its element). Nothing is mounted when the installed Streamlit has no such chunks."""
    try:
        files = chunk_files()
    except FileNotFoundError:
        return  # a Streamlit with other chunks: each page loads its own, as without this
    _component()(key="fundmodel_prefetch", data={**files, "quiet_ms": QUIET_MS}, height=0)
