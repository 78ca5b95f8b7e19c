"""How tall the demo's digest is in a real browser, against the digest of a baseline commit.

Issue 14 asked for a digest read in two minutes: "at most half today's height for the same data".
Height is a property of layout, not of the machine, but it depends on the fonts chromium has — so
both digests are rendered in the same run, by the same chromium, and the figure is the ratio.

    .venv/bin/python bench/digest_height.py [--baseline 93c2543] [--shots DIR]

The baseline's package and config/ are taken from git (``git archive``) into a temporary directory
and run the same ``demo`` (same bundled portal pages, same measures, same date) with their own code;
nothing of the baseline is installed. (This checkout's config/ also names the town's Kreis and
population, which the baseline's lacked: its cards then carry no "bitte prüfen" about them.)
Needs chromium and Playwright.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (1000, 400)  # a desktop mail client and a phone
AS_OF = "2026-12-05"


def demo_digest(tree: Path, out: Path) -> Path:
    """Run ``foerderradar demo`` with the package and config/ found under ``tree``; the digest's path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-m", "foerderradar.cli", "demo", "--out", str(out), "--config",
                           str(tree / "config"), "--as-of", AS_OF],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"demo in {tree} failed:\n{done.stdout}\n{done.stderr}")
    return out / "digest.html"


def baseline_tree(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "foerderradar", "config"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def heights(page_path: Path, shots: Path | None, label: str) -> dict[int, int]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("chromium not installed (apt-get install chromium)")
    out: dict[int, int] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(page_path.as_uri())
            out[width] = int(page.evaluate("document.documentElement.scrollHeight"))
            if shots is not None:
                page.screenshot(path=str(shots / f"digest-{label}-{width}.png"), full_page=True)
            page.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="93c2543", help="commit of the digest before issue 14 (default 93c2543)")
    parser.add_argument("--shots", type=Path, help="write full-page screenshots here")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "base").mkdir()
        baseline = baseline_tree(args.baseline, work / "base")
        base = heights(demo_digest(baseline, work / "base-out"), args.shots, "vorher")
        now = heights(demo_digest(ROOT, work / "now-out"), args.shots, "jetzt")
    print(f"{'width':>6} {'baseline px':>12} {'now px':>8} {'ratio':>6}")
    for width in WIDTHS:
        print(f"{width:>6} {base[width]:>12} {now[width]:>8} {now[width] / base[width]:>6.2f}")


if __name__ == "__main__":
    main()
