import pytest
from playwright.sync_api import expect
from tests.browser import test_handoff_pages as m
from tests.browser import test_widget_and_console as w

@pytest.mark.parametrize("i", range(8))
def test_rep_all(i, system, browser):
    for name in dir(w):
        if name.startswith("test_customer"):
            getattr(w, name)(system, browser)
    expect.set_options(timeout=15_000)
    try:
        for name in dir(m):
            if name.startswith("test_"):
                made = []
                try:
                    getattr(m, name)(system, browser, made)
                finally:
                    for c in made:
                        c.close()
    finally:
        expect.set_options(timeout=5_000)
