"""Screenshots of every page, to look at: python -m harness.look [WIDTHxHEIGHT] [page ...]"""

import sys
from pathlib import Path

from harness.server import PAGES, chromium, streamlit_server, wait_for_app

OUT = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def main(argv):
    size = next((a for a in argv if "x" in a and a.replace("x", "").isdigit()), "1400x900")
    width, height = (int(v) for v in size.split("x"))
    names = [a for a in argv if a in PAGES] or list(PAGES)
    query = next((a for a in argv if a.startswith("?")), "")
    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        for name in names:
            page.goto(f"{url}/{PAGES[name]}{query}")
            wait_for_app(page)
            path = OUT / f"{name}-{size}.png"
            page.screenshot(path=str(path))
            if "full" in argv:  # the whole page: the app scrolls inside its main block
                tall = page.evaluate(
                    "document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": width, "height": tall})
                wait_for_app(page)
                path = OUT / f"{name}-{size}-full.png"
                page.screenshot(path=str(path))
                page.set_viewport_size({"width": width, "height": height})
            print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
