"""Check-worthy sentences: splitting Indonesian news text, scoring, and the rules file."""

from __future__ import annotations

import re
import textwrap

import pytest

from annotator.errors import InputError
from annotator.ingest.suggest import (
    CheckworthyRules,
    Rule,
    SentenceRules,
    Suggestion,
    load_rules,
    score_sentence,
    split_sentences,
    suggest_sentences,
)


@pytest.fixture(scope="module")
def shipped() -> CheckworthyRules:
    """``config/checkworthy.yaml`` as shipped: these tests check the data too."""
    return load_rules()


def sentences(body: str, rules: CheckworthyRules) -> list[str]:
    spans = split_sentences(body, rules.sentences)
    for start, end in spans:
        assert body[start:end] == body[start:end].strip(), "no outer whitespace"
    return [body[start:end] for start, end in spans]


# Taken from the seeds (some joined onto one line), plus a few made-up abbreviations.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Pyongyang sebelumnya dilaporkan telah mengirimkan hingga 1,6 juta peluru untuk membantu"
            " perang Rusia melawan Ukraina. Aliansi militer Rusia-Korut tersebut telah dikecam.",
            [
                "Pyongyang sebelumnya dilaporkan telah mengirimkan hingga 1,6 juta peluru untuk membantu"
                " perang Rusia melawan Ukraina.",
                "Aliansi militer Rusia-Korut tersebut telah dikecam.",
            ],
        ),
        (
            "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia. Awalnya, AS"
            " mengumumkan bahwa Korea Utara akan mengerahkan 3.000 tentara ke Rusia.",
            [
                "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia.",
                "Awalnya, AS mengumumkan bahwa Korea Utara akan mengerahkan 3.000 tentara ke Rusia.",
            ],
        ),
        (
            "“Jika saya seorang manajer personel militer Korea Utara, saya akan mempertanyakan keputusan"
            " saya. Kami telah melihat kerugian yang dialami pasukan Rusia dalam perang Ukraina”, kata Ryder.",
            [
                "“Jika saya seorang manajer personel militer Korea Utara, saya akan mempertanyakan keputusan"
                " saya. Kami telah melihat kerugian yang dialami pasukan Rusia dalam perang Ukraina”, kata Ryder."
            ],
        ),
        (
            '"Kebijakan kami tidak berubah. AS akan terus bekerja sama dengan sekutu," imbuh Ryder.'
            " Kim Jong Un Dukungan Penuh.",
            [
                '"Kebijakan kami tidak berubah. AS akan terus bekerja sama dengan sekutu," imbuh Ryder.',
                "Kim Jong Un Dukungan Penuh.",
            ],
        ),
        (
            "“Sebagian tentara telah bergerak mendekati Ukraina.” Singh tidak menyebutkan jumlahnya.",
            [
                "“Sebagian tentara telah bergerak mendekati Ukraina.”",
                "Singh tidak menyebutkan jumlahnya.",
            ],
        ),
        (
            "Ponomarev: “Korea Utara adalah jembatan.” katanya, Kamis (27/6/2024). Lalu ia pergi.",
            [
                "Ponomarev: “Korea Utara adalah jembatan.” katanya, Kamis (27/6/2024).",
                "Lalu ia pergi.",
            ],
        ),
        (
            "Dia kemudian berkata, “Dan kami semakin khawatir. Rusia bermaksud menggunakan pasukan itu.\n"
            "Kekhawatiran negara-negara Barat menjadi sorotan.",
            [
                "Dia kemudian berkata, “Dan kami semakin khawatir. Rusia bermaksud menggunakan pasukan itu.",
                "Kekhawatiran negara-negara Barat menjadi sorotan.",
            ],
        ),
        (
            "Mereka bisa menjadi “faksi yang berperang bersama, dan Anda punyai banyak argumen untuk yakin"
            " jika… mereka akan terbunuh,” sambungnya.",
            [
                "Mereka bisa menjadi “faksi yang berperang bersama, dan Anda punyai banyak argumen untuk yakin"
                " jika… mereka akan terbunuh,” sambungnya."
            ],
        ),
        (
            "KYIV, Mercinews.com – Amerika Serikat (AS) mengeklaim. Klaim tersebut bisa memicu perang?"
            " Ya! Itu benar.",
            [
                "KYIV, Mercinews.com – Amerika Serikat (AS) mengeklaim.",
                "Klaim tersebut bisa memicu perang?",
                "Ya!",
                "Itu benar.",
            ],
        ),
        (
            "Menurut Prof. Kim dan Jend. Lee, Lloyd J. Austin dari A.S. Army datang.",
            ["Menurut Prof. Kim dan Jend. Lee, Lloyd J. Austin dari A.S. Army datang."],
        ),
        (
            "Rusia menerima peluru, rudal, dll. dari Korea Utara. Senjata, amunisi, dll. Semua dikirim.",
            [
                "Rusia menerima peluru, rudal, dll. dari Korea Utara.",
                "Senjata, amunisi, dll.",
                "Semua dikirim.",
            ],
        ),
        (
            "Paragraf pertama tanpa titik\n\n  Paragraf kedua.  \n",
            ["Paragraf pertama tanpa titik", "Paragraf kedua."],
        ),
    ],
    ids=[
        "decimal-comma",
        "thousands-dots-and-AS",
        "quote-with-inner-sentence-end",
        "straight-quotes-with-attribution",
        "sentence-ends-inside-quote",
        "lowercase-attribution-after-quote",
        "unclosed-quote-ends-at-line-break",
        "ellipsis-inside-quote",
        "domain-question-exclamation",
        "titles-and-initials",
        "dll-before-lowercase-and-capital",
        "paragraphs",
    ],
)
def test_split_sentences(shipped, body, expected):
    assert sentences(body, shipped) == expected


def test_split_without_abbreviation_lists_still_keeps_initials():
    assert split_sentences("Lloyd J. Austin datang.") == [(0, 23)]


@pytest.mark.parametrize(
    ("sentence", "reasons"),
    [
        (
            "Pyongyang sebelumnya dilaporkan telah mengirimkan hingga 1,6 juta peluru untuk membantu"
            " perang Rusia melawan Ukraina.",
            ["figure", "attribution", "event"],
        ),
        (
            "“Ini adalah provokasi yang mengancam keamanan global,” kata Yoon dikutip Al Jazeera, Jumat (25/10).",
            ["direct_quote", "attribution", "named_organisation", "time_reference"],
        ),
        (
            "Menurut catatan perdagangan internal Rusia yang diperoleh Washington Post menunjukkan bahwa"
            " Rusia mungkin telah menerima 1,6 juta peluru artileri dari Korea Utara.",
            ["figure", "attribution", "named_organisation", "event", "hedge"],
        ),
        (
            "Awalnya, AS mengumumkan bahwa Korea Utara akan mengerahkan 3.000 tentara ke Rusia.",
            ["figure", "attribution", "named_organisation", "event"],
        ),
        (
            "Pada bulan September, Rusia dan Korea Utara sepakat untuk menandatangani pakta pertahanan.",
            ["event", "time_reference"],
        ),
        (
            "Meski Korut telah menyangkal kebenaran isu tersebut, namun AS yakin kedua negara telah menekan Perjanjian.",
            ["named_organisation", "hedge", "denial"],
        ),
    ],
    ids=[
        "1,6-juta-dilaporkan",
        "quote-with-kata-date-not-a-figure",
        "menurut",
        "3.000",
        "september",
        "denial",
    ],
)
def test_check_worthy_sentence_is_suggested_with_its_reasons(shipped, sentence, reasons):
    [suggestion] = suggest_sentences(sentence, shipped)
    assert suggestion.reasons == reasons
    assert suggestion.score >= shipped.threshold


@pytest.mark.parametrize(
    "sentence",
    [
        "Strategi militer Rusia selama perang dengan Ukraina adalah menggunakan keunggulan militernya.",
        "Tentu saja Jepang juga marah dengan tindakan Korea Utara.",
        "Sejumlah pihak meyakini bahwa kunjungan tersebut mempererat hubungan kedua negara.",
        "Para pengunjung melihat katalog senjata “vital” itu.",
    ],
    ids=["plain", "plain-short", "hedge-alone", "scare-quote-and-kata-inside-a-word"],
)
def test_plain_sentence_is_not_suggested(shipped, sentence):
    assert suggest_sentences(sentence, shipped) == []


def test_suggestions_are_offsets_into_the_body_in_order(shipped):
    body = (
        "Jakarta, Pahami.id —\n"
        "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia. "
        "Mereka melakukan pelatihan selama di sana.\n\n"
        "“Ini adalah provokasi,” kata Yoon."
    )
    suggestions = suggest_sentences(body, shipped)
    assert [s.text for s in suggestions] == [
        "Amerika Serikat (AS) menuduh Korea Utara mengirim 10.000 tentara ke Rusia.",
        "“Ini adalah provokasi,” kata Yoon.",
    ]
    for suggestion in suggestions:
        assert body[suggestion.start : suggestion.end] == suggestion.text
    assert [s.start for s in suggestions] == sorted(s.start for s in suggestions)


# Tiny rules for the scoring arithmetic, independent of the shipped data.
TINY = CheckworthyRules(
    threshold=2.0,
    rules=(
        Rule("number", 1.5, re.compile(r"\d")),
        Rule("said", 0.5, re.compile(r"\bkata\b", re.IGNORECASE)),
        Rule("opinion", -1.0, re.compile(r"\bsaya pikir\b", re.IGNORECASE)),
    ),
    sentences=SentenceRules(),
)


@pytest.mark.parametrize(
    ("sentence", "score", "reasons"),
    [
        ("Tidak ada apa-apa.", 0.0, []),
        ("Ada 3 atau 4 atau 5 tentara.", 1.5, ["number"]),
        ("Ada 3 tentara, kata dia.", 2.0, ["number", "said"]),
        ("Saya pikir ada 3 tentara, kata dia.", 1.0, ["number", "said", "opinion"]),
    ],
    ids=["nothing", "each-rule-counts-once", "sum-reaches-threshold", "negative-weight"],
)
def test_score_is_the_sum_of_matching_weights(sentence, score, reasons):
    assert score_sentence(sentence, TINY) == (score, reasons)


def test_threshold_is_inclusive():
    body = "Ada 3 tentara, kata dia. Ada 3 tentara."
    assert suggest_sentences(body, TINY) == [
        Suggestion(0, 24, "Ada 3 tentara, kata dia.", 2.0, ["number", "said"])
    ]


def test_words_match_whole_words_and_case_sensitive_ones_exactly(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent("""\
            version: 1
            threshold: 1
            rules:
              - {name: said, weight: 1, words: [kata, juru bicara]}
              - {name: us, weight: 1, words: [AS], case_sensitive: true}
            """))
    rules = load_rules(path)
    assert score_sentence("Katanya begitu.", rules) == (0.0, [])
    assert score_sentence("KATA dia.", rules) == (1.0, ["said"])
    assert score_sentence("Juru\nbicara itu.", rules) == (1.0, ["said"])
    assert score_sentence("Pasukan AS tiba.", rules) == (1.0, ["us"])
    assert score_sentence("as the troops arrive", rules) == (0.0, [])


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (
            "version: 1\nthreshold: 2\nrules:\n  - {name: bad, weight: 1, pattern: '(unclosed'}\n",
            "rules[0].pattern",
            "not a valid regular expression",
        ),
        (
            "version: 1\nthreshold: 2\nrules:\n  - {name: both, weight: 1, words: [a], pattern: a}\n",
            "rules[0].pattern",
            "either `words:` or `pattern:`",
        ),
        (
            "version: 1\nthreshold: 2\nrules:\n  - {name: a, weight: 1, words: [a]}\n"
            "  - {name: a, weight: 2, words: [b]}\n",
            "rules[1].name",
            "already the name of rules[0]",
        ),
        (
            "version: 1\nthreshold: 2\nrules:\n  - {name: a, wieght: 1, words: [a]}\n",
            "rules[0].wieght",
            "unknown key: fix its spelling or remove it (allowed here: name, weight, words, pattern, case_sensitive)",
        ),
        ("version: 1\nrules:\n  - {name: a, weight: 1, words: [a]}\n", "threshold", "required"),
        (
            "version: 1\nthreshold: 2\nrules:\n  - {name: a, weight: 1, words: [a, ' ']}\n",
            "rules[0].words[1]",
            "a word is empty",
        ),
        (
            "version: 1\nthreshold: 2\nsentences: {titles: [Prof]}\nrules:\n  - {name: a, weight: 1, words: [a]}\n",
            "sentences.titles[0]",
            "write it with its period",
        ),
    ],
    ids=[
        "bad-regex",
        "words-and-pattern",
        "duplicate-name",
        "unknown-key",
        "missing-threshold",
        "blank-word",
        "title-without-period",
    ],
)
def test_bad_rules_file_is_rejected_with_the_place_to_fix(tmp_path, text, where, says):
    path = tmp_path / "checkworthy.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_rules(path)
    assert where in caught.value.errors, caught.value.errors
    assert any(says in message for message in caught.value.errors[where])


def test_malformed_rules_yaml_names_the_line(tmp_path):
    path = tmp_path / "checkworthy.yaml"
    path.write_text("version: 1\nthreshold: [2\nrules: []\n")
    with pytest.raises(InputError, match=r"checkworthy\.yaml:3: not valid YAML"):
        load_rules(path)


def test_missing_rules_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the check-worthiness rules"):
        load_rules(tmp_path / "nope.yaml")
