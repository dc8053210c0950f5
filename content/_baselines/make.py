#!/usr/bin/env python3
"""Remakes the demo's baselines: the outputs the council sent at earlier visits.

Each baseline is the `data/records.json` of a build of this content as it stood on an
earlier date: the content is copied, wound back to that date, built with `--as-of`,
and the build's records.json kept here as `<date>.json` (site.yaml `baselines:` lists
them, oldest first). Run from the repository root after `cargo build --release`:

    python3 content/_baselines/make.py

Winding back to a date D treats every record the same way, in `.md` files and list
files alike, so that each baseline would pass as the output of its day:

- A record that did not exist yet is left out: a review, event or evidence record
  dated after D, a plan approved after D, a recommendation whose review is left out,
  an action whose plan is left out or all of whose recommendations are, and the
  objectives of a plan that is left out. Leaving one out can leave out others (an
  action of a later plan); the rule is applied until nothing more goes.
- References to a left-out record are dropped from every field, and `[[links]]` to
  it in bodies become plain words, as an author of the day would have written.
- What was done later is undone: an action completed after D is in progress; a
  recommendation met or partially met whose due date or agreement is after D, or
  that an action completed after D addresses, is in progress; evidence reviewed after D was last reviewed when it was dated; sign-off
  and agreement dated after D are removed. A few dates and statuses are set as they
  stood (EDITS below).

The wound-back copy is written with PyYAML (the copy is temporary, so its layout does
not matter); every scalar is read and written as the text it was, so dates and IDs
are not reinterpreted.
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSURE = ROOT / "target" / "release" / "assure"
DATES = ["2013-09-30", "2014-03-31"]

# (date, record ID, field, value as it stood then; None: no such field yet)
EDITS = [
    ("2014-03-31", "act-18", "due", "2014-06-30"),
    ("2014-03-31", "act-19", "due", "2014-06-30"),
    ("2014-03-31", "act-24", "due", "2014-09-30"),
    ("2013-09-30", "act-05", "due", "2013-09-30"),
    ("2013-09-30", "act-19", "due", "2014-03-31"),
]

FOLDER_TYPES = {
    "plans": "plan",
    "recommendations": "recommendation",
    "actions": "action",
    "evidence": "evidence",
    "reviews": "review",
    "timeline": "event",
    "pages": "page",
}

# Fields holding one ID, and fields holding a list of IDs, of any type.
REF_FIELDS = {"source", "plan", "objective"}
REFS_FIELDS = {"addresses", "supports", "related", "refs", "mitigations", "relates"}


class Loader(yaml.SafeLoader):
    """Reads every scalar as its text: `2014-03` stays a string, `1.10` is not 1.1."""


Loader.yaml_implicit_resolvers = {}


class Dumper(yaml.SafeDumper):
    """Writes strings plain where YAML allows, since nothing here is read as a date."""


Dumper.yaml_implicit_resolvers = {}


def first_day(d):
    parts = str(d).split("-") + ["01", "01"]
    return "-".join(parts[:3])


def last_day(d):
    d = str(d)
    if len(d) == 10:
        return d
    if len(d) == 7:
        return d + "-31"
    return d + "-12-31"


def after(value, date):
    """Whether a (partial) date began after `date`."""
    return value is not None and first_day(value) > date


class File:
    """One content file: its records (front matter or list items) and how to write it."""

    def __init__(self, path, kind):
        self.path = path
        self.type = kind
        text = path.read_text()
        if path.suffix == ".md":
            m = re.match(r"---\r?\n(.*?)\r?\n---\r?\n?(.*)", text, re.S)
            fields = yaml.load(m.group(1), Loader=Loader) or {}
            fields["body"] = m.group(2)
            fields.setdefault("id", path.stem)
            self.records = [fields]
            self.list = False
        else:
            data = yaml.load(text, Loader=Loader) or {}
            self.records = data.get("records", [])
            self.list = True

    def write(self, keep):
        records = [r for r in self.records if r["id"] in keep]
        if not records:
            self.path.unlink()
            return
        if self.list:
            text = yaml.dump({"records": records}, Dumper=Dumper, allow_unicode=True, sort_keys=False)
        else:
            fields = dict(records[0])
            body = fields.pop("body", "")
            if fields.get("id") == self.path.stem:
                del fields["id"]
            head = yaml.dump(fields, Dumper=Dumper, allow_unicode=True, sort_keys=False)
            text = f"---\n{head}---\n{body}"
        self.path.write_text(text)


def load(content):
    files = []
    for folder, kind in FOLDER_TYPES.items():
        base = content / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            hidden = any(p.startswith((".", "_")) for p in path.relative_to(content).parts)
            if hidden or path.suffix not in (".md", ".yaml"):
                continue
            if path.suffix == ".md" and not path.read_text().startswith("---"):
                continue  # an attachment (evidence/files/), not a record
            files.append(File(path, kind))
    return files


def existed(record, kind, gone, date):
    """Whether a record existed on `date`, given the IDs already known to be absent."""
    if kind in ("review", "event", "evidence") and after(record.get("date"), date):
        return False
    if kind == "plan" and after(record.get("approved"), date):
        return False
    if kind == "recommendation" and record.get("source") in gone:
        return False
    if kind == "action":
        if record.get("plan") in gone:
            return False
        addresses = record.get("addresses") or []
        if addresses and all(a in gone for a in addresses):
            return False
    return True


def wind_back(content, date):
    files = load(content)
    records = [(r, f.type) for f in files for r in f.records]
    gone = set()
    while True:
        newly = {
            r["id"]
            for r, kind in records
            if r["id"] not in gone and not existed(r, kind, gone, date)
        }
        # A plan's objectives go with it.
        for r, kind in records:
            if kind == "plan" and (r["id"] in newly or r["id"] in gone):
                newly |= {o["id"] for o in r.get("objectives") or [] if o["id"] not in gone}
        if not newly:
            break
        gone |= newly

    def unlink(text):
        def plain(m):
            target, _, words = m.group(1).partition("|")
            return (words or target) if target.strip() in gone else m.group(0)

        return re.sub(r"\[\[([^\]]+)\]\]", plain, text)

    # A recommendation answered by an action still in progress on D was not yet met.
    finished_later = {
        rec
        for r, kind in records
        if kind == "action" and after(r.get("completed"), date)
        for rec in r.get("addresses") or []
    }
    for record, kind in records:
        if record["id"] in gone:
            continue
        for name in REF_FIELDS:
            if record.get(name) in gone:
                del record[name]
        for name in REFS_FIELDS:
            if isinstance(record.get(name), list):
                record[name] = [i for i in record[name] if i not in gone]
        for name in ("body", "description"):
            if isinstance(record.get(name), str):
                record[name] = unlink(record[name])
        for objective in record.get("objectives") or []:
            if isinstance(objective.get("description"), str):
                objective["description"] = unlink(objective["description"])
        for name in ("signed_off", "agreed"):
            if isinstance(record.get(name), dict) and after(record[name].get("on"), date):
                del record[name]
        if kind == "evidence":
            if after(record.get("reviewed"), date):
                record["reviewed"] = record.get("date")
        if kind == "action":
            if after(record.get("completed"), date):
                del record["completed"]
                record["status"] = "in-progress"
        if kind == "recommendation" and record.get("status") in ("met", "partially-met"):
            agreed = (record.get("agreed") or {}).get("on")
            if (
                last_day(record.get("due") or "0000") > date
                or after(agreed, date)
                or record["id"] in finished_later
            ):
                record["status"] = "in-progress"
                record.pop("agreed", None)
        for when, rid, name, value in EDITS:
            if when == date and rid == record["id"]:
                if value is None:
                    record.pop(name, None)
                else:
                    record[name] = value

    keep = {r["id"] for r, _ in records} - gone
    for f in files:
        f.write(keep)
    return gone


def main():
    if not ASSURE.exists():
        sys.exit("build assure first: cargo build --release")
    for date in DATES:
        with tempfile.TemporaryDirectory() as tmp:
            content = pathlib.Path(tmp) / "content"
            shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("_baselines"))
            site = content / "site.yaml"
            site.write_text(re.sub(r"^baselines:.*\n(  - .*\n)*", "", site.read_text(), flags=re.M))
            gone = wind_back(content, date)
            out = pathlib.Path(tmp) / "output"
            subprocess.run(
                [ASSURE, "build", "--content", content, "--output", out, "--as-of", date, "--no-pdf"],
                check=True,
            )
            shutil.copy(out / "data" / "records.json", ROOT / "content" / "_baselines" / f"{date}.json")
            print(f"wrote content/_baselines/{date}.json ({len(gone)} records not yet made)")


if __name__ == "__main__":
    main()
