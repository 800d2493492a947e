"""parse_article on the five seed articles, field by field, and on structured records."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

import annotator.ingest
from annotator.errors import AnnotatorError, IngestError
from annotator.ingest import (
    ArticleRecord,
    FurnitureRules,
    LanguageRules,
    ParsedArticle,
    dates,
    decode,
    formats,
    furniture,
    metadata,
    parse_article,
    read_records,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
REFERENCE = date(2026, 11, 22)


@dataclass(frozen=True)
class Seed:
    external_id: str
    outlet: str
    dateline_place: str | None
    published: tuple[date, bool, str] | None  # value, year_inferred, text
    title: str | None
    first: str
    last: str
    paragraphs: int
    #: real paragraphs that stood right next to furniture in the raw text
    neighbours: tuple[str, ...]


SEED_ARTICLES = [
    Seed(
        external_id="000_6d5ce1f4fcefeb83",
        outlet="Mercinews.com",
        dateline_place="Kyiv",
        published=(date(2024, 6, 27), False, "Kamis (27/6/2024)"),
        title=None,
        first=(
            "Amerika Serikat (AS) mengeklaim bahwa pemimpin Korea Utara (Korut) Kim Jong-un "
            "akan mengirim tentaranya ke Ukraina untuk membantu perang Rusia."
        ),
        last=(
            "“Jadi tidak ada masalah bagi China untuk membantu warga Korea Utara dan kemudian "
            "warga Korea Utara untuk melakukan perdagangan dengan Rusia dan mendapatkan "
            "keuntungan dari hal ini baik secara finansial maupun dalam hal pengembangan "
            "militer,” paparnya."
        ),
        paragraphs=16,
        neighbours=(
            "Klaim Amerika itu merujuk pada pakta pertahanan bersama yang ditandatangani "
            "Presiden Rusia Vladimir Putin dan Kim Jong-un di Pyongyang pekan lalu. Pakta "
            "pertahanan itu menjanjikan bantuan militer satu sama lain.",
            "Menurut AS, sejak perjanjian diteken, diumumkan bahwa Korea Utara akan mengirim "
            "unit militernya ke wilayah Donetsk saat Rusia melanjutkan invasinya.",
        ),
    ),
    Seed(
        external_id="001_9a5c6b2dd6225be2",
        outlet="Tribunnews.com",
        dateline_place="Pyongyang",
        published=None,
        title=(
            "Bantu Kemenangan Putin, Pimpinan Korut Kirim Pasukan Untuk Jadi Tameng Rusia "
            "Hadapi Ukraina"
        ),
        first=(
            "Presiden Korea Utara, Kim Jong Un dilaporkan mengirim sejumlah pasukan untuk "
            "bergabung dengan tentara Rusia bertempur di medan perang di Ukraina. Hal ini "
            "diungkap oleh juru bicara Pentagon Pat Ryder."
        ),
        last=(
            "Terbaru Putin melakukan kunjungan ke Pyongyang. Kunjungan kali ini menjadi "
            "kunjungan pertama Putin ke Korea Utara dalam 24 tahun terakhir. Sejumlah pihak "
            "meyakini bahwa kunjungan tersebut berpotensi besar mempererat hubungan Rusia dan "
            "Korut yang terjalin selama bertahun-tahun, saat kedua negara sama-sama menghadapi "
            "isolasi internasional."
        ),
        paragraphs=18,
        neighbours=(
            "Adapun isi perjanjian antara Kim dan Putin menyatakan bahwa salah satu dari kedua "
            "belah pihak terlibat dalam keadaan perang karena invasi bersenjata dari satu negara "
            "atau beberapa negara bagian, pihak lain harus memberikan bantuan militer dan bantuan "
            "lainnya dengan segala cara yang mereka bisa.",
            "Menurut catatan perdagangan internal Rusia yang diperoleh Washington Post "
            "menunjukkan bahwa Rusia mungkin telah menerima 1,6 juta peluru artileri dari Korea "
            "Utara dalam kurun waktu enam bulan terakhir.",
            "Tak dijelaskan secara pasti berapa jumlah pasukan Korut yang dikirimkan ke Rusia, "
            "namun menurut Ryder unit militer Korea Utara hanya akan menjadi umpan meriam jika "
            "sampai terjun dalam perang di Ukraina.",
            "Kim Jong Un Dukungan Penuh Agresi Rusia",  # a subheading is body
        ),
    ),
    Seed(
        external_id="002_ee6a8576aa9e9d14",
        outlet="Pahami.id",
        dateline_place="Jakarta",
        published=(date(2024, 10, 28), True, "Senin (28/10)"),
        title=None,
        first=(
            "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia untuk "
            "membantu mereka melawan Ukraina."
        ),
        last=(
            "Rusia berharap kerja sama pertahanan dapat mencegah Barat terus memasok senjata ke "
            "Ukraina."
        ),
        paragraphs=15,
        neighbours=(
            "Pada bulan September, Rusia dan Korea Utara sepakat untuk menandatangani pakta "
            "pertahanan bertajuk “kemitraan strategis komprehensif.” Perjanjian ini memuat "
            "klausul pertahanan bersama apabila terjadi agresi terhadap salah satu negara.",
        ),
    ),
    Seed(
        external_id="003_9e64f310e2d2b330",
        outlet="Aboluowang.com",
        dateline_place=None,
        # "Pada 26 Juni" dates the reports the article cites, and has no year or
        # weekday to pin it: the article has no publication date.
        published=None,
        title=(
            "Pyongyang Berencana Mengirim Pasukan Korea Utara untuk Membantu Operasi Militer "
            "Rusia di Ukraina"
        ),
        first=(
            "Korea Utara mulai mengirim pasukannya untuk membantu operasi militer Rusia di "
            "Ukraina. Ada perkiraan bahwa Korps Teknik Korea Utara akan tiba di wilayah Donetsk "
            "bulan depan. Hal ini memicu kekhawatiran dunia mengenai keterlibatan Pyongyang "
            "dalam konflik di Ukraina."
        ),
        last=(
            "Pada Februari tahun ini, pihak berwenang Ukraina melaporkan bahwa Ukraina telah "
            "menembak jatuh setidaknya 20 unit rudal balistik buatan Korea Utara yang digunakan "
            "Rusia dalam serangan berskala besar terhadap Ukraina sejak tahun lalu. The "
            "Washington Post melaporkan bahwa Korea Utara telah memasok lebih dari 11.000 "
            "kontainer berisi amunisi ke Rusia sejak musim gugur tahun lalu."
        ),
        paragraphs=15,
        neighbours=(),
    ),
    Seed(
        external_id="004_baca1cbf2f675a3c",
        outlet="mobic.store",
        dateline_place=None,
        published=(date(2024, 10, 31), False, "Kamis (31/10/2024)"),
        title=None,
        first=(
            "Korea Utara (Korut) mengirim 10 beberapa ribu pasukan Pyongyang ke medan tempur "
            "menolong Rusia menantang pasukan Ukraina. Memberi respon ini, Pimpinan pertahanan "
            "Amerika Serikat (AS) dan Korea Selatan (Korsel) mengatakan supaya Korut menarik "
            "pasukannya dari Rusia."
        ),
        last=(
            "Menteri Luar Negeri Korea Utara Choe Son Hui ada di Moskow di hari Rabu untuk "
            "melangsungkan perbincangan “vital” dengan partnernya dari Rusia Sergei Lavrov, "
            "sedangkan Wang Yi sebagai diplomat paling tinggi untuk Tiongkok, sekutu diplomatik "
            "khusus Pyongyang, tengah mengulas kritis Ukraina dengan wakil menteri luar negeri "
            "Rusia di Beijing."
        ),
        paragraphs=15,
        neighbours=(),
    ),
]
SEED_IDS = [seed.external_id[:3] for seed in SEED_ARTICLES]

FURNITURE = [
    "ADVERTISEMENT",
    "SCROLL TO RESUME CONTENT",
    "Baca juga",
    "BERITA TERKAIT",
    "Dapatkan Berita Pilihan",
    "WhatsApp",
    "©",
    "Lihat berita aslinya",
    "TribunX",
    "zoom-in",
    "Penulis:",
    "Editor:",
    "Laporan Wartawan",
    "Daily NK",
    "Ilustrasi",
    "Aboluowang.com",
    "(m/ci)",
    "(isa/dna)",
    "(sin)",
    "Mercinews.com –",
    "Pahami.id",
    "TRIBUNNEWS.COM",
    "mobic.store",
    "\u00a0",
]
SIGN_OFF = re.compile(r"\((?:[a-z]{1,5}/)*[a-z]{1,5}\)\s*$")


@pytest.fixture(scope="module", params=SEED_ARTICLES, ids=SEED_IDS)
def seed(request: pytest.FixtureRequest, rules: FurnitureRules) -> tuple[Seed, ParsedArticle]:
    expected: Seed = request.param
    source = f"{expected.external_id}.txt"
    [record] = read_records((SEEDS / source).read_bytes(), source=source)
    return expected, parse_article(record, rules=rules, reference_date=REFERENCE)


def test_identity_and_source(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    assert article.external_id == expected.external_id
    assert article.source == f"{expected.external_id}.txt"


def test_outlet(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    assert article.outlet == expected.outlet


def test_dateline_place(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    assert article.dateline_place == expected.dateline_place


def test_publication_date(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    if expected.published is None:
        assert article.published is None
    else:
        assert article.published is not None
        got = (article.published.value, article.published.year_inferred, article.published.text)
        assert got == expected.published


def test_language(seed: tuple[Seed, ParsedArticle]) -> None:
    assert seed[1].language == "id"


def test_title(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    assert article.title == expected.title


def test_body_first_and_last_paragraph_and_count(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0] == expected.first
    assert paragraphs[-1] == expected.last
    assert len(paragraphs) == expected.paragraphs


def test_body_paragraphs_are_clean(seed: tuple[Seed, ParsedArticle]) -> None:
    paragraphs = seed[1].body.split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p and "  " not in p for p in paragraphs)


@pytest.mark.parametrize("furniture_text", FURNITURE)
def test_no_furniture_left(seed: tuple[Seed, ParsedArticle], furniture_text: str) -> None:
    assert furniture_text not in seed[1].body


def test_no_sign_off_at_the_end(seed: tuple[Seed, ParsedArticle]) -> None:
    assert not SIGN_OFF.search(seed[1].body)


def test_sentences_next_to_furniture_survive(seed: tuple[Seed, ParsedArticle]) -> None:
    expected, article = seed
    paragraphs = article.body.split("\n\n")
    assert [n for n in expected.neighbours if n not in paragraphs] == []


def test_removed_furniture_of_seed_000(rules: FurnitureRules) -> None:
    [record] = read_records((SEEDS / "000_6d5ce1f4fcefeb83.txt").read_bytes(), source="000.txt")
    article = parse_article(record, rules=rules, reference_date=REFERENCE)
    assert article.removed == ("ADVERTISEMENT", "SCROLL TO RESUME CONTENT", "(m/ci)")


def test_inferred_year_of_seed_002_says_how(rules: FurnitureRules) -> None:
    [record] = read_records((SEEDS / "002_ee6a8576aa9e9d14.txt").read_bytes(), source="002.txt")
    article = parse_article(record, rules=rules, reference_date=REFERENCE)
    assert article.published is not None
    assert article.published.how == (
        "year not written: 2024 is the latest year up to 2026-11-22 in which 28/10 falls on a "
        "Senin (Monday)"
    )


# -- structured records and normalisation ----------------------------------------


def _record(text: str, **given: str) -> ArticleRecord:
    return ArticleRecord(source="export.jsonl", line=3, external_id="a1", text=text, **given)


ID_TEXT = (
    "Kementerian Pertahanan AS atau Pentagon menyebut tentara Korea Utara dikerahkan ke Rusia "
    "untuk berlatih dan berperang, kata Singh, Senin (28/10)."
)


def test_what_the_record_gives_wins(rules: FurnitureRules) -> None:
    record = _record(
        f"Judul Dari Halaman\n\nJakarta, Pahami.id — {ID_TEXT}",
        title="Judul Dari Ekspor",
        outlet="CNNIndonesia.com",
        published="2024-10-29T08:00:00+07:00",
        language="ms",
    )
    article = parse_article(record, rules=rules, reference_date=REFERENCE)
    assert article.title == "Judul Dari Ekspor"
    assert article.outlet == "CNN Indonesia"  # the given name, spelled as outlets.yaml does
    assert article.published is not None
    assert (article.published.value, article.published.year_inferred) == (date(2024, 10, 29), False)
    assert article.published.text == "2024-10-29T08:00:00+07:00"
    assert article.published.how == "given by the record's 'published' field"
    assert article.language == "ms"
    assert article.dateline_place == "Jakarta"
    assert article.body == ID_TEXT


def test_what_the_record_leaves_out_is_read_from_the_text(rules: FurnitureRules) -> None:
    article = parse_article(
        _record(f"JAKARTA (ANTARA) - {ID_TEXT}"), rules=rules, reference_date=REFERENCE
    )
    assert (article.outlet, article.dateline_place, article.language) == ("Antara", "Jakarta", "id")
    assert article.published is not None and article.published.value == date(2024, 10, 28)


@pytest.mark.parametrize(
    ("dateline", "outlet", "place"),
    [
        pytest.param("KYIV, Mercinews.com –", "Mercinews.com", "Kyiv", id="capital-place"),
        pytest.param("Jakarta, Pahami.id —", "Pahami.id", "Jakarta", id="as-written"),
        pytest.param(
            "TRIBUNNEWS.COM, PYONGYANG –", "Tribunnews.com", "Pyongyang", id="listed-outlet"
        ),
        pytest.param("KOMPAS.COM, KUALA LUMPUR –", "Kompas.com", "Kuala Lumpur", id="two-words"),
        pytest.param(
            "BERITASATU.COM, WASHINGTON DC –",
            "Beritasatu.com",
            "Washington DC",
            id="unlisted-capitals",
        ),
        pytest.param(
            "Liputan6.com, Jakarta –", "Liputan6.com", "Jakarta", id="unlisted-as-written"
        ),
    ],
)
def test_outlet_and_place_spelling(
    rules: FurnitureRules, dateline: str, outlet: str, place: str
) -> None:
    article = parse_article(_record(f"{dateline} {ID_TEXT}"), rules=rules, reference_date=REFERENCE)
    assert (article.outlet, article.dateline_place) == (outlet, place)


def test_english_text_is_detected(rules: FurnitureRules) -> None:
    text = "The Pentagon said on Monday that some North Korean troops had moved toward Ukraine."
    assert parse_article(_record(text), rules=rules).language == "en"


def test_language_is_left_empty_when_unsure(rules: FurnitureRules) -> None:
    assert parse_article(_record("10.000 / 3.000 — 1,6"), rules=rules).language is None


def test_article_of_only_furniture_is_refused(rules: FurnitureRules) -> None:
    with pytest.raises(IngestError) as caught:
        parse_article(_record("ADVERTISEMENT\nBaca juga: Lain\n(m/ci)"), rules=rules)
    error = caught.value
    assert (error.source, error.line, error.field) == ("export.jsonl", 3, "text")
    assert error.message == ("export.jsonl:3: no article text left once page furniture is removed")


def test_unusable_given_date_is_refused(rules: FurnitureRules) -> None:
    with pytest.raises(IngestError) as caught:
        parse_article(_record(ID_TEXT, published="Senin (28/10)"), rules=rules)
    assert (caught.value.line, caught.value.field) == (3, "published")


def test_language_unknown_to_py3langid_is_a_configuration_error(rules: FurnitureRules) -> None:
    unknown = replace(rules, languages=LanguageRules(("id", "su"), 0.5))
    with pytest.raises(AnnotatorError) as caught:
        parse_article(_record(ID_TEXT), rules=unknown)
    assert caught.value.message == "languages.yaml: candidates: Unknown language code(s): {'su'}"


# -- the package -----------------------------------------------------------------


def test_package_exports_every_public_name_of_its_modules() -> None:
    modules = (dates, decode, formats, furniture, metadata)
    assert sorted(annotator.ingest.__all__) == sorted(n for m in modules for n in m.__all__)
    assert all(hasattr(annotator.ingest, name) for name in annotator.ingest.__all__)
