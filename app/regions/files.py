"""Read and check the Kemendagri region files (plain Python: no Flask, no database).

The layout is that of data/regions/: provinces.csv, regencies.csv, districts.csv and
villages.csv.gz, each with a header row. Every line is checked before anything is written,
so a malformed file stops the whole load.
"""
import csv
import gzip
import re
from dataclasses import dataclass, field

VILLAGE_TYPES = {"1": "kelurahan", "2": "desa", "3": "desa adat"}
MAX_ERRORS = 20
MAX_NAME = 100


@dataclass(frozen=True)
class TierFile:
    """The file of one tier of areas: its columns, the shape of a code, the column naming the parent."""
    file: str
    columns: tuple
    code: re.Pattern
    parent: str | None  # the column naming the parent's code


TIER_FILES = (
    TierFile("provinces.csv", ("code", "name"), re.compile(r"\d{2}"), None),
    TierFile("regencies.csv", ("code", "province_code", "name"), re.compile(r"\d{2}\.\d{2}"), "province_code"),
    TierFile("districts.csv", ("code", "regency_code", "name"), re.compile(r"\d{2}\.\d{2}\.\d{2}"), "regency_code"),
    TierFile("villages.csv.gz", ("code", "district_code", "name", "type"),
          re.compile(r"\d{2}\.\d{2}\.\d{2}\.[123]\d{3}"), "district_code"),
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


class RegionFileError(Exception):
    """The files are malformed; `problems` lists each with its file and line."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Regions:
    """Checked rows of each tier, as dicts with the columns of its file."""
    provinces: list = field(default_factory=list)
    regencies: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    villages: list = field(default_factory=list)

    def tiers(self):
        return (self.provinces, self.regencies, self.districts, self.villages)


def read_regions(directory, regency=None):
    """Read and check all four files in `directory`; keep only `regency` (e.g. "35.17") if given."""
    problems = []
    tiers = []
    parents = None
    for tier in TIER_FILES:
        rows = _read_tier(directory, tier, parents, problems)
        tiers.append(rows)
        parents = {row["code"] for row in rows}
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise RegionFileError(problems[:MAX_ERRORS])
    regions = Regions(*tiers)
    return _only_regency(regions, regency) if regency else regions


def _read_tier(directory, tier, parents, problems):
    path = f"{directory}/{tier.file}"
    opener = gzip.open if tier.file.endswith(".gz") else open
    rows, seen = [], set()
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != tier.columns:
                problems.append(Problem(tier.file, 1, f"header must be {','.join(tier.columns)}"))
                return rows
            for values in reader:
                row, reason = _check_row(tier, values, parents, seen)
                if reason:
                    problems.append(Problem(tier.file, reader.line_num, reason))
                    if len(problems) >= MAX_ERRORS:
                        return rows
                else:
                    seen.add(row["code"])
                    rows.append(row)
    except FileNotFoundError:
        problems.append(Problem(tier.file, 0, "file not found"))
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError, csv.Error) as exc:
        problems.append(Problem(tier.file, 0, f"unreadable: {exc}"))
    return rows


def _check_row(tier, values, parents, seen):
    """Return (row, None) for a good line, or (None, reason)."""
    if len(values) != len(tier.columns):
        return None, f"expected {len(tier.columns)} columns, found {len(values)}"
    row = dict(zip(tier.columns, (v.strip() for v in values)))
    code = row["code"]
    if not tier.code.fullmatch(code):
        return None, f"invalid code {code!r}"
    if code in seen:
        return None, f"duplicate code {code}"
    if not row["name"]:
        return None, f"empty name for {code}"
    if len(row["name"]) > MAX_NAME:
        return None, f"name longer than {MAX_NAME} characters for {code}"
    if tier.parent:
        parent = row[tier.parent]
        if code.rsplit(".", 1)[0] != parent:
            return None, f"code {code} does not belong to {parent}"
        if parent not in parents:
            return None, f"unknown {tier.parent} {parent}"
    if "type" in row:
        expected = VILLAGE_TYPES[code.rsplit(".", 1)[1][0]]
        if row["type"] != expected:
            return None, f"type {row['type']!r} does not match code {code} ({expected})"
    return row, None


def _only_regency(regions, regency):
    """Keep one regency and the province above it."""
    if regency not in {r["code"] for r in regions.regencies}:
        raise RegionFileError([Problem("regencies.csv", 0, f"regency {regency} not found")])
    districts = [d for d in regions.districts if d["regency_code"] == regency]
    district_codes = {d["code"] for d in districts}
    return Regions(
        provinces=[p for p in regions.provinces if p["code"] == regency[:2]],
        regencies=[r for r in regions.regencies if r["code"] == regency],
        districts=districts,
        villages=[v for v in regions.villages if v["district_code"] in district_codes],
    )
