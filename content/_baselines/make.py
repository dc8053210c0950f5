#!/usr/bin/env python3
"""Remakes the demo's baselines: the outputs the council sent at earlier visits.

Each baseline is the `data/records.json` of a build of this content as it stood on an
earlier date: the content is copied, wound back to that date, built with `--as-of`,
and the build's records.json kept here as `<date>.json` (site.yaml `baselines:` lists
them, oldest first). Run from the repository root after `cargo build --release`:

    python3 content/_baselines/make.py

Winding back, for a date D: evidence dated after D did not exist yet (it is left out,
unless another record names it, when it was still a draft); evidence reviewed
after D was last reviewed when it was dated; actions completed after D were still in
progress; recommendations met or partially met with a due date after D were still in
progress. A few dates and statuses are set as they stood (EDITS below).
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSURE = ROOT / "target" / "release" / "assure"
DATES = ["2013-09-30", "2014-03-31"]

# (date, file, field, value as it stood then; None: no such line yet)
EDITS = [
    ("2014-03-31", "actions/act-18.md", "due", "2014-06-30"),
    ("2014-03-31", "actions/act-19.md", "due", "2014-06-30"),
    ("2014-03-31", "actions/act-24.md", "due", "2014-09-30"),
    ("2014-03-31", "recommendations/commissioner-2014-r1.md", "status", "open"),
    ("2014-03-31", "recommendations/commissioner-2014-r6.md", "status", "open"),
    ("2013-09-30", "actions/act-05.md", "due", "2013-09-30"),
    ("2013-09-30", "actions/act-19.md", "due", "2014-03-31"),
]


def first_day(d):
    parts = d.split("-") + ["01", "01"]
    return "-".join(parts[:3])


def last_day(d):
    if len(d) == 10:
        return d
    if len(d) == 7:
        return d + "-31"
    return d + "-12-31"


def field(text, name):
    m = re.search(rf"^{name}:\s*(\S+)\s*$", text, re.M)
    return m.group(1).strip("'\"") if m else None


def set_field(text, name, value):
    if value is None:
        return re.sub(rf"^{name}:.*\n", "", text, flags=re.M)
    if re.search(rf"^{name}:", text, re.M):
        return re.sub(rf"^{name}:.*$", f"{name}: {value}", text, count=1, flags=re.M)
    return text.replace("\n---", f"\n{name}: {value}\n---", 1)


def wind_back(content, date):
    texts = {p: p.read_text() for p in content.rglob("*.md")}
    def linked(path):
        # Named by another record (a link in its text or a field): kept, as a draft.
        word = re.compile(rf"\b{re.escape(path.stem)}\b")
        return any(word.search(t) for p, t in texts.items() if p != path) or any(
            word.search(p.read_text()) for p in content.rglob("*.yaml")
        )

    for path, text in texts.items():
        rel = path.relative_to(content).as_posix()
        if rel.startswith("evidence/"):
            dated = field(text, "date")
            if dated and first_day(dated) > date:
                if linked(path):
                    text = set_field(text, "status", "draft")
                    text = set_field(text, "reviewed", None)
                else:
                    path.unlink()
                    continue
            reviewed = field(text, "reviewed")
            if reviewed and first_day(reviewed) > date and dated:
                text = set_field(text, "reviewed", dated)
        if rel.startswith("actions/"):
            done = field(text, "completed")
            if done and first_day(done) > date:
                text = set_field(text, "completed", None)
                text = set_field(text, "status", "in-progress")
        if rel.startswith("recommendations/"):
            due = field(text, "due")
            if field(text, "status") in ("met", "partially-met") and due and last_day(due) > date:
                text = set_field(text, "status", "in-progress")
        for when, file, name, value in EDITS:
            if when == date and file == rel:
                text = set_field(text, name, value)
        path.write_text(text)


def main():
    if not ASSURE.exists():
        sys.exit("build assure first: cargo build --release")
    for date in DATES:
        with tempfile.TemporaryDirectory() as tmp:
            content = pathlib.Path(tmp) / "content"
            shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("_baselines"))
            site = content / "site.yaml"
            site.write_text(re.sub(r"^baselines:.*\n(  - .*\n)*", "", site.read_text(), flags=re.M))
            wind_back(content, date)
            out = pathlib.Path(tmp) / "output"
            subprocess.run(
                [ASSURE, "build", "--content", content, "--output", out, "--as-of", date, "--no-pdf"],
                check=True,
            )
            shutil.copy(out / "data" / "records.json", ROOT / "content" / "_baselines" / f"{date}.json")
            print(f"wrote content/_baselines/{date}.json")


if __name__ == "__main__":
    main()
