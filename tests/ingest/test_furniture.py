"""clean_body and the rule files: furniture out, real sentences kept, dateline and title read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from annotator.errors import AnnotatorError
from annotator.ingest import CONFIG_DIR, Dateline, FurnitureRules, clean_body, load_furniture_rules

SHIPPED = yaml.safe_load((CONFIG_DIR / "furniture.yaml").read_text(encoding="utf-8"))
LEAD = "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia."
NEXT = "Pentagon menyebut tentara Korea Utara dikerahkan ke Rusia."


@pytest.mark.parametrize("line", SHIPPED["drop_lines"])
@pytest.mark.parametrize("case", [str, str.lower, str.title], ids=["as-listed", "lower", "title"])
def test_every_listed_line_is_dropped_in_any_case(rules: FurnitureRules, line: str, case) -> None:
    result = clean_body(f"{LEAD}\n{case(line)}\n{NEXT}", rules)
    assert result.body == f"{LEAD}\n\n{NEXT}"
    assert result.removed == [case(line)]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Baca juga: Rusia Blokir Akses 81 Outlet Media Uni Eropa", id="baca-juga"),
        pytest.param(
            "BACA JUGA: Terungkap Sebab Fasilitas Energi Ukraina Bisa Hancur", id="baca-juga-caps"
        ),
        pytest.param("Penulis: Namira Yunia Lestanti", id="penulis"),
        pytest.param("Editor: Hendra Gunawan", id="editor"),
        pytest.param("Laporan Wartawan Tribunnews.com Namira Yunia", id="laporan-wartawan"),
        pytest.param("zoom-in Bantu Kemenangan Putin", id="zoom-in"),
        pytest.param(
            "Nikmati berita interaktif dan LIVE report 24 jam hanya di TribunX", id="tribunx"
        ),
        pytest.param("Ilustrasi tentara Korea Utara", id="caption"),
        pytest.param("Foto: Reuters", id="photo-credit"),
        pytest.param("Aboluowang.com", id="brand-domain"),
        pytest.param("Tribun", id="brand-alias"),
    ],
)
def test_furniture_lines_are_dropped(rules: FurnitureRules, line: str) -> None:
    result = clean_body(f"{LEAD}\n\n{line}\n\n{NEXT}", rules)
    assert result.body == f"{LEAD}\n\n{NEXT}"
    assert result.removed == [line]


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param(
            "Ilustrasi yang beredar di media sosial itu palsu.", id="sentence-starting-ilustrasi"
        ),
        pytest.param("Editor senior itu mengatakan hal serupa.", id="editor-without-colon"),
        pytest.param(
            "Menurut catatan Tribunnews.com, pasukan sudah tiba.", id="outlet-in-a-sentence"
        ),
        pytest.param("Kim Jong Un Dukungan Penuh Agresi Rusia", id="subheading"),
    ],
)
def test_sentences_like_furniture_are_kept(rules: FurnitureRules, sentence: str) -> None:
    assert (
        clean_body(f"{LEAD}\n{sentence}\n{NEXT}", rules).body == f"{LEAD}\n\n{sentence}\n\n{NEXT}"
    )


@pytest.mark.parametrize(
    "footer",
    [
        pytest.param("Dapatkan Berita Pilihan\ndi WhatsApp Anda\nTribunnews", id="tribun-share"),
        pytest.param(
            "Lihat berita aslinya : North Korea Begins Sending Troops", id="lihat-berita-aslinya"
        ),
        pytest.param("© 2024 TRIBUNnews.com,a subsidiary of KG Media.\nAtas", id="copyright-sign"),
        pytest.param("Copyright 2024 Pahami.id", id="copyright-word"),
    ],
)
def test_footer_cuts_the_rest(rules: FurnitureRules, footer: str) -> None:
    result = clean_body(f"{LEAD}\n\n{NEXT}\n\n{footer}\n\nIkuti kami di", rules)
    assert result.body == f"{LEAD}\n\n{NEXT}"
    assert result.removed == [*footer.split("\n"), "Ikuti kami di"]


@pytest.mark.parametrize(
    ("text", "body", "removed"),
    [
        pytest.param(f"{LEAD}\n{NEXT}\n(m/ci)", f"{LEAD}\n\n{NEXT}", ["(m/ci)"], id="own-line"),
        pytest.param(
            f"{LEAD}\n{NEXT} (sin)", f"{LEAD}\n\n{NEXT}", ["(sin)"], id="end-of-paragraph"
        ),
        pytest.param(
            f"{LEAD}\n{NEXT}\n(isa/dna)\n\n",
            f"{LEAD}\n\n{NEXT}",
            ["(isa/dna)"],
            id="trailing-blank",
        ),
        pytest.param(
            f"{LEAD}\n{NEXT} (ant)\n(m/ci)", f"{LEAD}\n\n{NEXT}", ["(ant)", "(m/ci)"], id="two"
        ),
        pytest.param(f"{LEAD} (isa)\n{NEXT}", f"{LEAD} (isa)\n\n{NEXT}", [], id="only-at-the-end"),
        pytest.param(
            f"{LEAD}\nDikecam oleh Amerika Serikat (AS)",
            f"{LEAD}\n\nDikecam oleh Amerika Serikat (AS)",
            [],
            id="capitals-are-not-a-sign-off",
        ),
    ],
)
def test_sign_offs_are_stripped_from_the_end(
    rules: FurnitureRules, text: str, body: str, removed: list[str]
) -> None:
    result = clean_body(text, rules)
    assert (result.body, result.removed) == (body, removed)


def test_inline_fragments_are_stripped(rules: FurnitureRules) -> None:
    result = clean_body(f"{LEAD} [Gambas:Video CNN] Kata dia.\n[Gambas:Video CNN]\n{NEXT}", rules)
    assert result.body == f"{LEAD} Kata dia.\n\n{NEXT}"
    assert result.removed == ["[Gambas:Video CNN]", "[Gambas:Video CNN]"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"{LEAD}\n{NEXT}", id="one-newline"),
        pytest.param(f"{LEAD}\n\n{NEXT}", id="blank-line"),
        pytest.param(f"\n\n  {LEAD}  \n \n\n\t{NEXT}\n\n", id="extra-blank-lines-and-spaces"),
        pytest.param(f"{LEAD}\nADVERTISEMENT\n\n\n{NEXT}", id="around-dropped-line"),
    ],
)
def test_paragraphs_are_separated_by_one_blank_line(rules: FurnitureRules, text: str) -> None:
    assert clean_body(text, rules).body == f"{LEAD}\n\n{NEXT}"


def test_white_space_is_normalised(rules: FurnitureRules) -> None:
    result = clean_body(
        "Presiden Korea\u00a0Utara,  Kim\u00a0Jong\u00a0Un\tdilaporkan.\u00a0", rules
    )
    assert result.body == "Presiden Korea Utara, Kim Jong Un dilaporkan."


@pytest.mark.parametrize(
    ("first_line", "dateline", "rest"),
    [
        pytest.param(
            "KYIV, Mercinews.com – Amerika Serikat (AS) mengeklaim.",
            Dateline("KYIV, Mercinews.com –", "KYIV", "Mercinews.com"),
            "Amerika Serikat (AS) mengeklaim.",
            id="place-outlet-en-dash",
        ),
        pytest.param(
            "Jakarta, Pahami.id —",
            Dateline("Jakarta, Pahami.id —", "Jakarta", "Pahami.id"),
            None,
            id="own-line-em-dash",
        ),
        pytest.param(
            "TRIBUNNEWS.COM , PYONGYANG – Presiden Korea Utara.",
            Dateline("TRIBUNNEWS.COM , PYONGYANG –", "PYONGYANG", "TRIBUNNEWS.COM"),
            "Presiden Korea Utara.",
            id="outlet-place",
        ),
        pytest.param(
            "mobic.store – Korea Utara (Korut) mengirim.",
            Dateline("mobic.store –", None, "mobic.store"),
            "Korea Utara (Korut) mengirim.",
            id="outlet-only",
        ),
        pytest.param(
            "Jakarta (ANTARA) - Menteri Luar Negeri berkata.",
            Dateline("Jakarta (ANTARA) -", "Jakarta", "ANTARA"),
            "Menteri Luar Negeri berkata.",
            id="listed-outlet-spaced-hyphen",
        ),
        pytest.param(
            "JAKARTA – Menteri Luar Negeri berkata.",
            Dateline("JAKARTA –", "JAKARTA", None),
            "Menteri Luar Negeri berkata.",
            id="capital-place-only",
        ),
    ],
)
def test_dateline_is_read_and_stripped(
    rules: FurnitureRules, first_line: str, dateline: Dateline, rest: str | None
) -> None:
    result = clean_body(f"{first_line}\n{NEXT}", rules)
    assert result.dateline == dateline
    assert result.body == (f"{rest}\n\n{NEXT}" if rest else NEXT)
    assert result.removed == []


@pytest.mark.parametrize(
    "first_line",
    [
        pytest.param("Presiden Korea Selatan – dan sekutunya – mengutuk.", id="sentence-with-dash"),
        pytest.param("Jakarta – Menteri Luar Negeri berkata.", id="lone-place-not-in-capitals"),
        pytest.param("Aliansi militer Rusia-Korut tersebut dikecam.", id="hyphen-in-word"),
        pytest.param("Kyiv, Moskow, Pahami.id – tiga kota.", id="too-many-parts"),
        pytest.param("AS – dan sekutunya – mengecam.", id="acronym-is-not-a-place"),
    ],
)
def test_no_dateline_in_ordinary_sentences(rules: FurnitureRules, first_line: str) -> None:
    result = clean_body(f"{first_line}\n{NEXT}", rules)
    assert result.dateline is None
    assert result.body == f"{first_line}\n\n{NEXT}"


def test_dateline_is_looked_for_only_near_the_top(rules: FurnitureRules) -> None:
    filler = "\n".join(f"Paragraf {n}." for n in range(rules.dateline_search_lines))
    assert clean_body(f"{filler}\nJAKARTA – Teks.", rules).dateline is None


def test_header_before_dateline_gives_title_and_is_not_body(rules: FurnitureRules) -> None:
    text = (
        "Tribun\n\nJudul Berita Tanpa Titik\n\nRingkasan berita yang diulang di badan.\n"
        "Daily NK\n\nTRIBUNNEWS.COM, PYONGYANG – Isi pertama.\n\nIsi kedua."
    )
    result = clean_body(text, rules)
    assert result.title == "Judul Berita Tanpa Titik"
    assert result.brand == "Tribun"
    assert result.body == "Isi pertama.\n\nIsi kedua."
    assert result.removed == ["Tribun", "Ringkasan berita yang diulang di badan.", "Daily NK"]


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        pytest.param(
            "Judul Berita\n\nIsi pertama.", "Judul Berita", "Isi pertama.", id="heading-first"
        ),
        pytest.param(
            "Isi pertama.\nIsi kedua.", None, "Isi pertama.\n\nIsi kedua.", id="sentence-first"
        ),
        pytest.param("Judul Berita", None, "Judul Berita", id="nothing-after-it"),
        pytest.param(
            "“Kami menghargai dukungan Anda,”\nucap Putin.",
            None,
            "“Kami menghargai dukungan Anda,”\n\nucap Putin.",
            id="quotation-is-not-a-title",
        ),
        pytest.param(
            "A" * 201 + "\nIsi.",
            None,
            "A" * 201 + "\n\nIsi.",
            id="too-long-for-a-title",
        ),
    ],
)
def test_title_without_dateline(
    rules: FurnitureRules, text: str, title: str | None, body: str
) -> None:
    result = clean_body(text, rules)
    assert (result.title, result.body) == (title, body)


def test_everything_removed_is_reported_in_reading_order(rules: FurnitureRules) -> None:
    text = f"ADVERTISEMENT\n{LEAD}\nBaca juga: Lain\n{NEXT} (sin)\n© 2024 Pahami.id\nAtas"
    assert clean_body(text, rules).removed == [
        "ADVERTISEMENT",
        "Baca juga: Lain",
        "(sin)",
        "© 2024 Pahami.id",
        "Atas",
    ]


def test_text_of_only_furniture_leaves_an_empty_body(rules: FurnitureRules) -> None:
    assert clean_body("ADVERTISEMENT\nBaca juga: Lain\n(m/ci)", rules).body == ""


# -- the rule files ------------------------------------------------------------


def test_shipped_rules_load(rules: FurnitureRules) -> None:
    assert rules.languages.candidates[0] == "id"
    assert rules.outlet_name("TRIBUNNEWS.COM") == "Tribunnews.com"
    assert rules.outlet_name("tribun") == "Tribunnews.com"
    assert rules.outlet_name("Daily NK") is None


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    for name in ("furniture.yaml", "outlets.yaml", "languages.yaml"):
        shutil.copy(CONFIG_DIR / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "where", "message"),
    [
        pytest.param(
            "furniture.yaml",
            {**SHIPPED, "footer_patterns": ["^ok", "(unclosed"]},
            "footer_patterns.1",
            "not a valid regular expression: missing ), unterminated subpattern at position 0",
            id="bad-regex",
        ),
        pytest.param(
            "furniture.yaml",
            {**SHIPPED, "drop_line": ["typo"]},
            "drop_line",
            "Unknown field.",
            id="unknown-key",
        ),
        pytest.param(
            "furniture.yaml",
            {**SHIPPED, "dateline": {"search_lines": 0}},
            "dateline.search_lines",
            "Must be greater than or equal to 1.",
            id="bad-number",
        ),
        pytest.param(
            "languages.yaml",
            {"candidates": ["id", "Indonesian"], "min_confidence": 0.5},
            "candidates.1",
            "not an ISO 639 code",
            id="bad-language-code",
        ),
        pytest.param(
            "outlets.yaml",
            {"outlet": {}},
            "outlets",
            "Missing data for required field.",
            id="missing-key",
        ),
    ],
)
def test_bad_rule_files_name_file_and_key(
    config_copy: Path, name: str, content: dict, where: str, message: str
) -> None:
    (config_copy / name).write_text(yaml.safe_dump(content), encoding="utf-8")
    with pytest.raises(AnnotatorError) as caught:
        load_furniture_rules(config_copy)
    assert caught.value.message == f"{config_copy / name}: invalid rules"
    assert caught.value.errors[f"{config_copy / name}:{where}"] == [message]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("- a list\n", "must be a mapping of keys to values", id="not-a-mapping"),
        pytest.param("drop_lines: [unclosed\n", "not valid YAML", id="not-yaml"),
    ],
)
def test_unreadable_rule_files(config_copy: Path, content: str, message: str) -> None:
    (config_copy / "furniture.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(AnnotatorError) as caught:
        load_furniture_rules(config_copy)
    assert caught.value.message.startswith(f"{config_copy / 'furniture.yaml'}: {message}")


def test_missing_rule_file(config_copy: Path) -> None:
    (config_copy / "outlets.yaml").unlink()
    with pytest.raises(AnnotatorError) as caught:
        load_furniture_rules(config_copy)
    assert caught.value.message == (
        f"{config_copy / 'outlets.yaml'}: cannot read rule file: No such file or directory"
    )


def test_one_alias_for_two_outlets_is_refused(config_copy: Path) -> None:
    outlets = {"outlets": {"Tribunnews.com": ["Tribun"], "Tribun Jateng": ["TRIBUN"]}}
    (config_copy / "outlets.yaml").write_text(
        yaml.safe_dump(outlets, sort_keys=False), encoding="utf-8"
    )
    with pytest.raises(AnnotatorError) as caught:
        load_furniture_rules(config_copy)
    path = config_copy / "outlets.yaml"
    assert caught.value.errors == {
        f"{path}:outlets.Tribun Jateng": ["'TRIBUN' is also listed for 'Tribunnews.com'"]
    }
