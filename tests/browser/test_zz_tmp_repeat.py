import time
import pytest
from tests.browser import test_handoff_pages as m
from tests.browser import test_widget_and_console as w

LOG = []
_orig_new_context = m.new_context

def tap(page, who):
    def on_ws(ws):
        ws.on("framereceived", lambda p: LOG.append((round(time.time() % 1000, 2), who, "in", p[:160])))
        ws.on("framesent", lambda p: LOG.append((round(time.time() % 1000, 2), who, "out", p[:160] if '"auth"' not in p else "auth")))
    page.on("websocket", on_ws)
    page.on("request", lambda r: LOG.append((round(time.time() % 1000, 2), who, "req", r.url[-40:])) if "/api/handoff/agents" in r.url else None)
    page.on("response", lambda r: LOG.append((round(time.time() % 1000, 2), who, "resp", r.url[-40:], r.status)) if "/api/handoff/agents" in r.url else None)

def new_context(browser, contexts):
    c = _orig_new_context(browser, contexts)
    n = len(contexts)
    c.on("page", lambda p: tap(p, f"ctx{n}"))
    return c

m.new_context = new_context

@pytest.mark.parametrize("i", range(8))
def test_rep_all(i, system, browser):
    for name in dir(w):
        if name.startswith("test_customer"):
            getattr(w, name)(system, browser)
    for name in dir(m):
        if name.startswith("test_"):
            made = []
            LOG.clear()
            try:
                getattr(m, name)(system, browser, made)
            except AssertionError:
                for e in LOG:
                    if "queue" not in str(e[3])[:20]:
                        print(e)
                raise
            finally:
                for c in made:
                    c.close()
