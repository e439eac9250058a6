import time, httpx
import pytest
from tests.browser import test_handoff_pages as m
from tests.browser import test_widget_and_console as w
from tests.support.system import staff_token

@pytest.mark.parametrize("i", range(10))
def test_rep_all(i, system, browser):
    url = system.gateway.url
    tok = staff_token(url, "super")
    for name in dir(w):
        if name.startswith("test_customer"):
            getattr(w, name)(system, browser)
    for name in dir(m):
        if name.startswith("test_"):
            made = []
            try:
                getattr(m, name)(system, browser, made)
            except AssertionError:
                for _ in range(4):
                    r = httpx.get(f"{url}/api/handoff/agents", headers={"Authorization": f"Bearer {tok}"}).json()
                    print("SERVER:", [(a["id"], a["presence"], round(time.time() - a["last_seen"], 1)) for a in r])
                    print("PAGE:", [p.locator("#agents-list").inner_text() for c in made for p in c.pages if p.locator("#agents-panel").is_visible()])
                    time.sleep(1)
                raise
            finally:
                for c in made:
                    c.close()
