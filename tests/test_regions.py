"""The region loader: good files, reruns, changed names, malformed lines, the shipped national data."""
import gzip

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.regions.files import RegionFileError, read_regions
from app.regions.models import District, Province, Regency, Village
from tests.support import REGIONS_DIR

GOOD = {
    "provinces.csv": "code,name\n35,Jawa Timur\n",
    "regencies.csv": "code,province_code,name\n35.17,35,Kabupaten Jombang\n",
    "districts.csv": "code,regency_code,name\n35.17.05,35.17,Wonosalam\n35.17.08,35.17,Diwek\n",
    "villages.csv": ("code,district_code,name,type\n"
                     "35.17.08.2001,35.17.08,Kayangan,desa\n"
                     "35.17.08.2011,35.17.08,Diwek,desa\n"
                     '35.17.05.2001,35.17.05,"Wonosalam, Atas",desa\n'
                     "35.17.05.1001,35.17.05,Contoh Kelurahan,kelurahan\n"),
}


def write_regions(directory, **changes):
    """Write the four files (villages gzipped), with `changes` replacing a file's text."""
    files = {**GOOD, **{name.replace("_", "."): text for name, text in changes.items()}}
    for name, text in files.items():
        if name == "villages.csv":
            with gzip.open(directory / "villages.csv.gz", "wt", encoding="utf-8") as fh:
                fh.write(text)
        else:
            (directory / name).write_text(text, encoding="utf-8")
    return directory


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Province, Regency, District, Village))


def test_load_good_files(app, runner, tmp_path):
    result = runner.invoke(args=["regions", "load", str(write_regions(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "village: 4 added, 0 updated" in result.output
    assert counts() == (1, 1, 2, 4)
    village = db.session.get(Village, "35.17.05.1001")
    assert (village.name, village.type, village.district.name) == ("Contoh Kelurahan", "kelurahan", "Wonosalam")
    assert db.session.get(Village, "35.17.05.2001").name == "Wonosalam, Atas"


def test_rerun_changes_nothing_and_a_changed_name_is_updated(app, runner, tmp_path):
    directory = write_regions(tmp_path)
    runner.invoke(args=["regions", "load", str(directory)])
    rerun = runner.invoke(args=["regions", "load", str(directory)])
    assert rerun.exit_code == 0
    assert all(line.endswith("0 added, 0 updated") for line in rerun.output.strip().splitlines())
    assert counts() == (1, 1, 2, 4)

    write_regions(tmp_path, districts_csv="code,regency_code,name\n35.17.05,35.17,Wonosalam\n35.17.08,35.17,Diwek Baru\n")
    renamed = runner.invoke(args=["regions", "load", str(directory)])
    assert "district: 0 added, 1 updated" in renamed.output
    db.session.expire_all()
    assert db.session.get(District, "35.17.08").name == "Diwek Baru"
    assert counts() == (1, 1, 2, 4)


@pytest.mark.parametrize("villages, line, reason", [
    ("35.17.08.2001,35.17.08,Kayangan,desa\n35.17.08.20X2,35.17.08,Rusak,desa\n", 3, "invalid code '35.17.08.20X2'"),
    ("35.17.08.2001,35.17.08,Kayangan,desa\n35.17.08.2001,35.17.08,Lagi,desa\n", 3, "duplicate code 35.17.08.2001"),
    ("35.17.09.2001,35.17.09,Yatim,desa\n", 2, "unknown district_code 35.17.09"),
    ("35.17.08.2001,35.17.08,Kayangan,kelurahan\n", 2, "type 'kelurahan' does not match code 35.17.08.2001 (desa)"),
    ("35.17.08.2001,35.17.08,Kayangan\n", 2, "expected 4 columns, found 3"),
    ("35.17.08.2001,35.17.08,,desa\n", 2, "empty name for 35.17.08.2001"),
])
def test_a_bad_line_stops_the_load_and_nothing_is_written(app, runner, tmp_path, villages, line, reason):
    directory = write_regions(tmp_path, villages_csv="code,district_code,name,type\n" + villages)
    result = runner.invoke(args=["regions", "load", str(directory)])
    assert result.exit_code != 0
    assert f"villages.csv.gz:{line}: {reason}" in result.output
    assert "Nothing was written." in result.output
    assert counts() == (0, 0, 0, 0)


def test_a_bad_line_on_reload_leaves_the_loaded_regions_untouched(app, runner, tmp_path):
    runner.invoke(args=["regions", "load", str(write_regions(tmp_path))])
    write_regions(tmp_path,
                  districts_csv="code,regency_code,name\n35.17.05,35.17,Renamed\n35.17.08,35.17,Diwek\n",
                  villages_csv=GOOD["villages.csv"] + "35.17.08.9001,35.17.08,Bad,desa\n")
    result = runner.invoke(args=["regions", "load", str(tmp_path)])
    assert result.exit_code != 0 and "villages.csv.gz:6:" in result.output
    db.session.expire_all()
    assert db.session.get(District, "35.17.05").name == "Wonosalam"
    assert counts() == (1, 1, 2, 4)


@pytest.mark.parametrize("name, text, expected", [
    ("provinces.csv", "kode,nama\n35,Jawa Timur\n", "provinces.csv:1: header must be code,name"),
    ("regencies.csv", "code,province_code,name\n35.17,36,Kabupaten Jombang\n",
     "regencies.csv:2: code 35.17 does not belong to 36"),
    ("districts.csv", "code,regency_code,name\n35.17.05,35.17,Wonosalam\n35.17.8,35.17,Diwek\n",
     "districts.csv:3: invalid code '35.17.8'"),
])
def test_problems_in_other_files_name_file_and_line(tmp_path, name, text, expected):
    write_regions(tmp_path, **{name.replace(".", "_"): text})
    with pytest.raises(RegionFileError) as error:
        read_regions(tmp_path)
    assert expected in str(error.value)


def test_missing_or_corrupt_files_are_reported(tmp_path):
    write_regions(tmp_path)
    (tmp_path / "villages.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RegionFileError, match="villages.csv.gz: unreadable"):
        read_regions(tmp_path)
    (tmp_path / "districts.csv").unlink()
    with pytest.raises(RegionFileError, match="districts.csv: file not found"):
        read_regions(tmp_path)


def test_unknown_regency_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["regions", "load", str(write_regions(tmp_path)), "--regency", "35.99"])
    assert result.exit_code != 0 and "regency 35.99 not found" in result.output
    assert counts() == (0, 0, 0, 0)


def test_shipped_national_files_are_complete():
    regions = read_regions(REGIONS_DIR)
    assert [len(tier) for tier in regions.tiers()] == [38, 514, 7285, 83762]


def test_load_jombang_from_the_shipped_files(app, runner):
    result = runner.invoke(args=["regions", "load", str(REGIONS_DIR), "--regency", "35.17"])
    assert result.exit_code == 0, result.output
    assert counts() == (1, 1, 21, 306)
    types = dict(db.session.execute(select(Village.type, func.count()).group_by(Village.type)).all())
    assert types == {"desa": 302, "kelurahan": 4}
    assert db.session.get(District, "35.17.08").name == "Diwek"
    assert db.session.get(Regency, "35.17").name == "Kabupaten Jombang"
