"""Screenshots of pages at phone and desktop widths, for looking at what we build.

python tools/shots.py --base http://127.0.0.1:8123 [--login warga@demo.local] --out /tmp/shots / /usulan/ ...
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--login", help="e-mail of a demo account (password suarawarga-demo)")
    parser.add_argument("--out", default="/tmp/shots")
    parser.add_argument("--full", action="store_true", help="whole page, not just the first screen")
    parser.add_argument("paths", nargs="+")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for width, height in [(390, 844), (1280, 900)]:
            page = browser.new_page(viewport={"width": width, "height": height})
            if options.login:
                page.goto(options.base + "/akun/masuk/")
                page.fill("input[name=username]", options.login)
                page.fill("input[name=password]", "suarawarga-demo")
                page.click("form button[type=submit]:has-text('Masuk')")
            for path in options.paths:
                page.goto(options.base + path)
                name = path.strip("/").replace("/", "_") or "home"
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=options.full)
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
