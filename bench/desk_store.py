"""A desk-sized store, generated and seeded: what one fact-checking desk holds after a year.

Used by ``bench/desk_reads.py`` (the read benchmark) and importable by tests, which
build small stores of different sizes from it: importing this module does nothing
but define things, and ``generate`` is fast at small scales.

At ``scale=1.0``:

* **2,000 articles**, one revision each: an Indonesian body (``language='id'``) of about
  300 words of synthetic news prose, an outlet, a dateline place, a title, a URL and a
  publication date spread over 2024; ``raw_text`` equals ``body`` (nothing removed);
* **600 claims** ``desk-claim-0000`` ... ``desk-claim-0599`` (``text`` in Indonesian,
  ``text_en`` its English wording, ``story`` one of 30 stories of 20 claims,
  ``desk-story-00`` ...);
* **6,000 accepted catalogue mentions**: every claim in exactly 10 distinct articles of
  its story, every article with at least one claim (3 on average). Each mention's quotes
  are sentences of its revision's body, ``spans`` their offsets (sorted, disjoint), so
  ``body[start:end] == quote``; one mention in five has a second quote;
* **5 annotators** with ordinary e-mail addresses (not simulated), each with a Label
  Studio user id, right against a hidden truth with probability 0.90, 0.82, 0.75, 0.68
  and 0.60;
* **one Label Studio project** (key ``claims``) and **one task per article**, its
  ``mention_ids`` in claim order;
* **24,000 active judgments**: every task annotated by 4 of the 5 annotators (the one
  left out drawn per task), one judgment per claim of the task (``claim_index`` its
  position), each with a verdict, a confidence 1..5, evidence spans that lie in the body
  (``text`` matching), a note on about one in eight; plus, by the annotator left out,
  a few **skipped** annotations (about 1% of tasks, one skipped judgment per claim, no
  verdict) and a few **deleted** ones (about 0.5% of tasks, the verdict kept, with the
  judgment's history); about 2% of the active judgments were edited once (one
  ``judgment_revisions`` row with the earlier verdict).

Other scales keep the ratios: ``round(2000 * scale)`` articles (at least 10),
``round(600 * scale)`` claims (at least 1), 10 mentions per claim, 4 active judgments
per mention. The hidden truth is returned with the rows (:class:`Rows`), not stored.

    from bench.desk_store import generate, load
    rows = generate(scale=0.02, seed=7)    # 40 articles, 12 claims, 120 mentions, 480 judgments
    upgrade(engine); load(engine, rows)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

import sqlalchemy as sa

__all__ = [
    "Rows",
    "generate",
    "load",
    "build",
    "counts",
    "claim_id",
    "ACCURACY",
    "ANNOTATORS",
    "PROJECT_KEY",
    "MENTIONS_PER_CLAIM",
    "JUDGES_PER_TASK",
    "TABLES",
]

#: the project key the generated Label Studio project carries (the service's default)
PROJECT_KEY = "claims"
ARTICLES_AT_1 = 2000
CLAIMS_AT_1 = 600
CLAIMS_PER_STORY = 20
MENTIONS_PER_CLAIM = 10
JUDGES_PER_TASK = 4
SEED = 20241031
VERDICTS = ("confirmed", "disputed", "denied")
#: the hidden truth of claims: most claims a desk checks hold up, some are false
TRUTH_WEIGHTS = (0.5, 0.2, 0.3)
#: an article contradicts (or muddles) the claim's truth this often
ARTICLE_DISSENT = 0.12
#: right against the hidden truth with these probabilities, in annotator order
ACCURACY = (0.90, 0.82, 0.75, 0.68, 0.60)
ANNOTATORS = (
    ("Dewi Lestari", "dewi.lestari@cekfakta-nusantara.org"),
    ("Rizky Pratama", "rizky.pratama@cekfakta-nusantara.org"),
    ("Siti Rahmawati", "siti.rahmawati@cekfakta-nusantara.org"),
    ("Agus Setiawan", "agus.setiawan@cekfakta-nusantara.org"),
    ("Maria Simanjuntak", "maria.simanjuntak@cekfakta-nusantara.org"),
)
#: the tables :func:`load` fills, in foreign-key order
TABLES = (
    "claims",
    "articles",
    "article_revisions",
    "annotators",
    "ls_projects",
    "ls_tasks",
    "mentions",
    "judgments",
    "judgment_revisions",
)
UTC = dt.timezone.utc

# -- the vocabulary of the synthetic prose ----------------------------------------------------
# Parallel Indonesian / English pieces, so a claim has both wordings (``text``, ``text_en``).

OUTLETS = (
    ("Warta Nusantara", "wartanusantara"),
    ("Kabar Jakarta", "kabarjakarta"),
    ("Suara Khatulistiwa", "suarakhatulistiwa"),
    ("Harian Timur", "hariantimur"),
    ("Berita Sembilan", "beritasembilan"),
    ("Lintas Daerah", "lintasdaerah"),
    ("Pos Selatan", "posselatan"),
    ("Radar Kepulauan", "radarkepulauan"),
)
PLACES = (
    "Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Palembang",
    "Denpasar", "Pontianak", "Manado", "Ambon", "Jayapura", "Padang", "Mataram",
)
REGIONS = (
    ("Provinsi Jawa Barat", "West Java province"),
    ("Provinsi Jawa Timur", "East Java province"),
    ("Kota Surabaya", "the city of Surabaya"),
    ("Provinsi Sumatera Utara", "North Sumatra province"),
    ("Kota Makassar", "the city of Makassar"),
    ("Provinsi Bali", "Bali province"),
    ("Provinsi Kalimantan Barat", "West Kalimantan province"),
    ("Kota Medan", "the city of Medan"),
    ("Provinsi Papua", "Papua province"),
    ("Kota Bandung", "the city of Bandung"),
)
ACTORS = (
    ("Pemerintah", "The government of"),
    ("Dinas Kesehatan", "The health office of"),
    ("Dinas Pendidikan", "The education office of"),
    ("Badan Pusat Statistik", "Statistics Indonesia in"),
    ("DPRD", "The regional parliament of"),
    ("Kepolisian Daerah", "The regional police of"),
)
CLAIM_FACTS = (
    ("menaikkan anggaran kesehatan sebesar {n} persen", "raised the health budget by {n} percent"),
    ("membangun {n} sekolah baru", "built {n} new schools"),
    ("mencatat penurunan angka kemiskinan sebesar {n} persen", "recorded a {n} percent fall in poverty"),
    ("menyalurkan bantuan beras kepada {n} ribu keluarga", "distributed rice aid to {n} thousand families"),
    ("menutup {n} tambang ilegal", "closed {n} illegal mines"),
    ("merekrut {n} ribu guru honorer", "recruited {n} thousand contract teachers"),
    ("memperbaiki {n} kilometer jalan rusak", "repaired {n} kilometres of damaged roads"),
    ("menerima {n} ribu laporan warga", "received {n} thousand complaints from residents"),
    ("menurunkan harga minyak goreng hingga {n} persen", "cut the price of cooking oil by up to {n} percent"),
    ("mencatat {n} kasus demam berdarah", "recorded {n} cases of dengue fever"),
    ("menanam {n} ribu pohon mangrove", "planted {n} thousand mangrove trees"),
    ("membuka {n} ribu lapangan kerja baru", "created {n} thousand new jobs"),
)
WHEN = (("pada 2024", "in 2024"), ("sepanjang tahun ini", "this year"), ("dalam enam bulan terakhir", "in the past six months"))
STORY_TOPICS = (
    "anggaran daerah", "pendidikan", "kesehatan masyarakat", "bantuan sosial", "lingkungan",
    "infrastruktur", "harga pangan", "ketenagakerjaan", "pertambangan", "layanan publik",
)
PEOPLE = (
    "Budi Santoso", "Ani Wulandari", "Hendra Gunawan", "Yuliana Sari", "Fajar Nugroho",
    "Ratna Dewi", "Eko Prasetyo", "Nurul Hidayah", "Andi Saputra", "Lina Marlina",
)
ROLES = (
    "juru bicara pemerintah daerah", "kepala dinas", "anggota DPRD", "pengamat kebijakan publik",
    "peneliti lembaga independen", "ketua organisasi warga", "akademisi universitas negeri",
)
SUBJECTS = (
    "Warga", "Para pedagang", "Sejumlah nelayan", "Kalangan pengusaha", "Para orang tua murid",
    "Petugas lapangan", "Pemerintah setempat", "Sejumlah aktivis", "Para petani", "Tim relawan",
)
VERBS = (
    "mengeluhkan", "menyambut baik", "mempertanyakan", "menyoroti", "membahas", "meninjau",
    "mendukung", "mengkritik", "menunggu kepastian soal", "mencatat",
)
OBJECTS = (
    "kenaikan harga kebutuhan pokok", "rencana pembangunan pasar baru", "pembagian bantuan langsung tunai",
    "program vaksinasi lanjutan", "perbaikan saluran irigasi", "penertiban pedagang kaki lima",
    "jadwal seleksi pegawai", "kualitas air bersih", "alokasi dana desa", "antrean di puskesmas",
    "pembangunan jembatan penghubung", "tarif angkutan umum", "pendataan penerima subsidi",
)
TIMES = (
    "pada Senin pagi", "pekan lalu", "sejak awal bulan", "pada Rabu sore", "dalam rapat terbuka",
    "menjelang akhir tahun", "beberapa hari terakhir", "pada Jumat siang",
)
LEADS_FOR = (  # how an article that supports the claim states it
    "{actor} {region} {fact} {when}.",
    "Dalam keterangan resminya, {actor} {region} menyatakan telah {fact} {when}.",
    "Data terbaru menunjukkan {actor} {region} {fact} {when}.",
)
LEADS_DOUBT = (  # ... that doubts it
    "Klaim bahwa {actor} {region} {fact} {when} masih dipertanyakan sejumlah pihak.",
    "Belum ada data resmi yang memastikan {actor} {region} {fact} {when}.",
)
LEADS_AGAINST = (  # ... that contradicts it
    "{person} membantah bahwa {actor} {region} {fact} {when}.",
    "Laporan itu menyebut klaim {actor} {region} {fact} {when} tidak sesuai dengan data di lapangan.",
)
SECOND_QUOTES = (
    "Pernyataan tersebut dikonfirmasi oleh {person}, {role}, saat dihubungi pada {day}.",
    "Namun, {person}, {role}, menilai angka tersebut perlu diverifikasi ulang.",
    "Menurut {person}, {role}, data itu berasal dari laporan internal yang belum dipublikasikan.",
)
FILLERS = (
    "{subject} {verb} {object} di {place} {time}.",
    "Hal itu disampaikan {person}, {role}, kepada wartawan di {place} {time}.",
    "{person} menambahkan bahwa {object} akan dibahas lebih lanjut dalam {k} pekan ke depan.",
    "Menurut {person}, {object} menjadi perhatian utama warga {place} {time}.",
    "{subject} berharap pemerintah segera menuntaskan persoalan {object}.",
    "Sebelumnya, {subject2} juga {verb} {object} yang dinilai belum merata.",
    "Berdasarkan catatan redaksi, sedikitnya {n} warga terdampak oleh {object} {time}.",
    "{person}, {role}, mengatakan pihaknya masih menunggu hasil evaluasi {object}.",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
NOTES = (
    "Sumber primer tidak disebutkan dalam artikel.",
    "Angka berbeda dengan rilis resmi pemerintah daerah.",
    "Perlu dicek ulang ke siaran pers aslinya.",
    "Artikel hanya mengutip satu narasumber.",
    "Klaim disampaikan sebagai rencana, belum realisasi.",
    "Judul lebih tegas daripada isi artikel.",
    "Data BPS untuk periode yang sama menunjukkan angka lain.",
    "Kutipan tampaknya diambil dari media lain tanpa atribusi.",
)


class Rows(dict):
    """The rows of every table (``{table: [row dict, ...]}``, in :data:`TABLES` order),
    plus what is not stored: the hidden truth and the figures of the draw.

    * ``truth``: mention id -> the verdict the article really supports;
    * ``claim_truth``: claim id -> the claim's verdict;
    * ``scale``, ``seed``.
    """

    truth: dict[int, str]
    claim_truth: dict[str, str]
    scale: float
    seed: int


def claim_id(index: int) -> str:
    """The id of the ``index``-th generated claim (0-based)."""
    return f"desk-claim-{index:04d}"


def _sizes(scale: float) -> tuple[int, int, int]:
    if scale <= 0:
        raise ValueError("scale must be positive")
    n_articles = max(MENTIONS_PER_CLAIM, round(ARTICLES_AT_1 * scale))
    n_claims = max(1, round(CLAIMS_AT_1 * scale))
    n_stories = max(1, round(n_claims / CLAIMS_PER_STORY))
    return n_articles, n_claims, n_stories


def _fill(template: str, rng: random.Random, **known: str) -> str:
    values = {
        "subject": rng.choice(SUBJECTS),
        "subject2": rng.choice(SUBJECTS).lower(),
        "verb": rng.choice(VERBS),
        "object": rng.choice(OBJECTS),
        "place": rng.choice(PLACES),
        "time": rng.choice(TIMES),
        "person": rng.choice(PEOPLE),
        "role": rng.choice(ROLES),
        "day": rng.choice(DAYS),
        "n": str(rng.randint(3, 250)),
        "k": str(rng.randint(2, 12)),
    }
    values.update(known)
    return template.format(**values)


def _assign(rng: random.Random, story_claims: list[int], story_articles: list[int]) -> dict[int, list[int]]:
    """Article -> its claims: every claim in MENTIONS_PER_CLAIM distinct articles, drawn with
    uneven weights (some articles carry many claims), then every article given one."""
    per_claim = min(MENTIONS_PER_CLAIM, len(story_articles))
    weights = [rng.lognormvariate(0, 0.6) for _ in story_articles]
    claims_of: dict[int, set[int]] = {a: set() for a in story_articles}
    for c in story_claims:
        chosen: set[int] = set()
        while len(chosen) < per_claim:  # weighted sampling without replacement
            chosen.add(rng.choices(story_articles, weights)[0])
        for a in chosen:
            claims_of[a].add(c)
    # an article without a claim takes one over from the article with the most
    for empty in [a for a in story_articles if not claims_of[a]]:
        fullest = max(story_articles, key=lambda a: (len(claims_of[a]), -a))
        if len(claims_of[fullest]) < 2:
            break  # fewer mentions than articles: leave the rest empty
        moved = rng.choice(sorted(claims_of[fullest]))
        claims_of[fullest].discard(moved)
        claims_of[empty].add(moved)
    return {a: sorted(cs) for a, cs in claims_of.items()}


def _evidence(rng: random.Random, body: str, spans: list[list[int]]) -> list[dict[str, Any]]:
    """What an annotator highlights: usually the quote, sometimes part of it, both quotes,
    or nothing."""
    draw = rng.random()
    if draw < 0.08:
        return []
    chosen = spans if (len(spans) > 1 and draw < 0.35) else spans[:1]
    evidence = []
    for start, end in chosen:
        if rng.random() < 0.25:  # a clause of the sentence, cut at spaces
            cuts = [i for i in range(start, end) if body[i] == " "]
            if len(cuts) >= 4:
                a, b = sorted(rng.sample(cuts, 2))
                if b - a > 12:
                    start, end = a + 1, b
        evidence.append({"start": start, "end": end, "text": body[start:end]})
    return evidence


def _wrong(rng: random.Random, truth: int) -> int:
    """An error: from a clear verdict mostly to *disputed*, from *disputed* to either side."""
    if truth == 1:
        return rng.choice((0, 2))
    return 1 if rng.random() < 0.6 else 2 - truth


def generate(scale: float = 1.0, seed: int = SEED) -> Rows:
    """Every row of a desk-sized store (see the module docstring), deterministic in
    ``scale`` and ``seed``; ids start at 1 and follow the order of the lists."""
    rng = random.Random(seed)
    n_articles, n_claims, n_stories = _sizes(scale)
    created = dt.datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    year = dt.date(2024, 1, 1)

    # stories: consecutive blocks of claims; articles dealt to stories in turn
    stories = [f"desk-story-{s:02d}" for s in range(n_stories)]
    claim_story = [min(c * n_stories // n_claims, n_stories - 1) for c in range(n_claims)]
    claims, claim_truth, claim_parts = [], {}, []
    for c in range(n_claims):
        actor, actor_en = rng.choice(ACTORS)
        region, region_en = rng.choice(REGIONS)
        fact, fact_en = rng.choice(CLAIM_FACTS)
        when, when_en = rng.choice(WHEN)
        n = str(rng.randint(2, 95))
        parts = {"actor": actor, "region": region, "fact": fact.format(n=n), "when": when}
        claim_parts.append(parts)
        truth = rng.choices(range(3), TRUTH_WEIGHTS)[0]
        claim_truth[claim_id(c)] = VERDICTS[truth]
        topic = STORY_TOPICS[claim_story[c] % len(STORY_TOPICS)]
        claims.append(
            {
                "id": claim_id(c),
                "text": f"{actor} {region} {parts['fact']} {when}.",
                "text_en": f"{actor_en} {region_en} {fact_en.format(n=n)} {when_en}.",
                "story": f"{stories[claim_story[c]]}-{topic.replace(' ', '-')}",
                "created_at": created,
                "updated_at": created,
            }
        )
    article_story = [a % n_stories for a in range(n_articles)]
    claims_of: dict[int, list[int]] = {}
    for s in range(n_stories):
        claims_of.update(
            _assign(
                rng,
                [c for c in range(n_claims) if claim_story[c] == s],
                [a for a in range(n_articles) if article_story[a] == s],
            )
        )

    articles, revisions, mentions, tasks = [], [], [], []
    truth: dict[int, str] = {}
    for a in range(n_articles):
        outlet, slug = rng.choice(OUTLETS)
        place = rng.choice(PLACES)
        published = year + dt.timedelta(days=rng.randrange(366))
        ingested = dt.datetime.combine(published, dt.time(6), UTC) + dt.timedelta(hours=rng.randint(1, 72))
        external = f"desk-{a + 1:05d}"
        # the sentences: filler, with each claim's quote (and maybe a second) placed in it
        sentences = [_fill(rng.choice(FILLERS), rng) for _ in range(rng.randint(16, 26))]
        placed: list[tuple[int, list[int], int]] = []  # (claim, [sentence index, ...], truth)
        for c in claims_of[a]:
            stance = rng.random()
            if stance < ARTICLE_DISSENT:  # this article disputes or contradicts the claim
                art_truth = rng.choice([v for v in range(3) if v != VERDICTS.index(claim_truth[claim_id(c)])])
            else:
                art_truth = VERDICTS.index(claim_truth[claim_id(c)])
            leads = (LEADS_FOR, LEADS_DOUBT, LEADS_AGAINST)[art_truth] if stance < ARTICLE_DISSENT else LEADS_FOR
            quote = _fill(rng.choice(leads), rng, **claim_parts[c])
            quote = quote[0].upper() + quote[1:]
            where = [rng.randint(1, len(sentences))]
            sentences.insert(where[0], quote)
            if rng.random() < 0.2:
                second = _fill(rng.choice(SECOND_QUOTES), rng)
                sentences.insert(where[0] + 1, second)
                where.append(where[0] + 1)
            # later insertions shift earlier ones: keep indices right
            for _c, idx, _t in placed:
                for k, i in enumerate(idx):
                    if i >= where[0]:
                        idx[k] = i + len(where)
            placed.append((c, where, art_truth))
        lead = f"{place.upper()}, {outlet} – "
        sentences[0] = lead + sentences[0]
        # paragraphs of 3-5 sentences
        body_parts, offsets, position, in_paragraph = [], [], 0, 0
        paragraph_size = rng.randint(3, 5)
        for i, sentence in enumerate(sentences):
            if i:
                sep = "\n\n" if in_paragraph >= paragraph_size else " "
                if sep == "\n\n":
                    in_paragraph, paragraph_size = 0, rng.randint(3, 5)
                body_parts.append(sep)
                position += len(sep)
            start = position + (len(lead) if i == 0 else 0)
            offsets.append((start, position + len(sentence)))
            body_parts.append(sentence)
            position += len(sentence)
            in_paragraph += 1
        body = "".join(body_parts)
        title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} di {place}"
        articles.append({"id": a + 1, "external_id": external, "created_at": ingested, "updated_at": ingested})
        revisions.append(
            {
                "id": a + 1,
                "article_id": a + 1,
                "number": 1,
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "source": f"{external}.txt",
                "source_line": None,
                "title": title,
                "outlet": outlet,
                "url": f"https://{slug}.example/berita/{published:%Y/%m/%d}/{a + 1}",
                "dateline_place": place,
                "published_on": published,
                "published_year_inferred": False,
                "published_text": f"{DAYS[published.weekday()]}, {published:%d/%m/%Y}",
                "language": "id",
                "raw_text": body,
                "body": body,
                "removed": [],
                "ingested_at": ingested,
            }
        )
        ids = []
        for c, where, art_truth in sorted(placed):
            spans = sorted([list(offsets[i]) for i in where])
            mention_id = len(mentions) + 1
            ids.append(mention_id)
            truth[mention_id] = VERDICTS[art_truth]
            mentions.append(
                {
                    "id": mention_id,
                    "claim_id": claim_id(c),
                    "revision_id": a + 1,
                    "origin": "catalogue",
                    "status": "accepted",
                    "dedup_key": claim_id(c),
                    "spans": spans,
                    "quotes": [body[s:e] for s, e in spans],
                    "match_method": "exact",
                    "score": 100.0,
                    "reasons": [],
                    "decided_by": None,
                    "decided_at": None,
                    "created_at": ingested,
                    "updated_at": ingested,
                }
            )
        tasks.append(
            {
                "id": a + 1,
                "project_id": 1,
                "revision_id": a + 1,
                "ls_task_id": 10_000 + a + 1,
                "mention_ids": ids,
                "payload_hash": hashlib.sha256(f"{external}:{ids}".encode()).hexdigest(),
                "pushed_at": ingested + dt.timedelta(hours=1),
            }
        )

    annotators = [
        {
            "id": i + 1,
            "email": email,
            "name": name,
            "simulated": False,
            "ls_user_id": 101 + i,
            "created_at": created,
        }
        for i, (name, email) in enumerate(ANNOTATORS)
    ]
    judgments, history = [], []
    annotation_id = 50_000
    n_ann = len(ANNOTATORS)

    def judgment(task: dict, annotator: int, index: int, mention: dict, state: str, when: dt.datetime) -> dict:
        row = {
            "id": len(judgments) + 1,
            "mention_id": mention["id"],
            "annotator_id": annotator + 1,
            "verdict": None,
            "confidence": None,
            "evidence": [],
            "note": None,
            "state": state,
            "reject_reason": None,
            "ls_annotation_id": annotation_id,
            "ls_task_id": task["ls_task_id"],
            "claim_index": index,
            "ls_updated_at": when,
            "simulated": False,
            "created_at": when,
            "updated_at": when,
        }
        if state != "skipped":
            real = VERDICTS.index(truth[mention["id"]])
            right = rng.random() < ACCURACY[annotator]
            code = real if right else _wrong(rng, real)
            row["verdict"] = VERDICTS[code]
            # surer when right, on the whole; each annotator with a habit of their own
            base = 4.1 if right else 3.0
            row["confidence"] = min(5, max(1, round(rng.gauss(base - 0.25 * (annotator % 3), 0.9))))
            row["evidence"] = _evidence(rng, body_of[mention["revision_id"]], mention["spans"])
            if rng.random() < 0.125:
                row["note"] = rng.choice(NOTES)
        judgments.append(row)
        return row

    body_of = {r["id"]: r["body"] for r in revisions}
    # about 1% of tasks skipped and 0.5% annotated then deleted (at least one of each)
    n_skipped = max(1, round(0.01 * len(tasks)))
    n_deleted = max(1, round(0.005 * len(tasks)))
    odd_tasks = rng.sample([t["id"] for t in tasks], min(len(tasks), n_skipped + n_deleted))
    odd = {t: ("skipped" if k < n_skipped else "deleted") for k, t in enumerate(odd_tasks)}
    for task, revision in zip(tasks, revisions):
        task_mentions = [mentions[m - 1] for m in task["mention_ids"]]
        left_out = rng.randrange(n_ann)
        opened = task["pushed_at"] + dt.timedelta(minutes=rng.randint(60, 30 * 24 * 60))
        for annotator in range(n_ann):
            if annotator == left_out:
                continue
            annotation_id += 1
            when = opened + dt.timedelta(minutes=rng.randint(0, 14 * 24 * 60))
            for index, mention in enumerate(task_mentions):
                row = judgment(task, annotator, index, mention, "active", when)
                if rng.random() < 0.02:  # edited once: the earlier verdict kept as history
                    earlier = when - dt.timedelta(minutes=rng.randint(5, 600))
                    row["created_at"] = earlier
                    history.append(
                        {
                            "id": len(history) + 1,
                            "judgment_id": row["id"],
                            "verdict": rng.choice([v for v in VERDICTS if v != row["verdict"]]),
                            "confidence": rng.randint(1, 5),
                            "evidence": row["evidence"],
                            "note": None,
                            "state": "active",
                            "reject_reason": None,
                            "ls_updated_at": earlier,
                            "replaced_at": when,
                        }
                    )
        state = odd.get(task["id"])
        if state:  # the one left out skipped the task, or annotated it and deleted that
            annotation_id += 1
            when = opened + dt.timedelta(minutes=rng.randint(0, 14 * 24 * 60))
            for index, mention in enumerate(task_mentions):
                row = judgment(task, left_out, index, mention, state, when)
                if state == "deleted":
                    removed_at = when + dt.timedelta(hours=rng.randint(1, 48))
                    row["updated_at"] = removed_at
                    history.append(
                        {
                            "id": len(history) + 1,
                            "judgment_id": row["id"],
                            "verdict": row["verdict"],
                            "confidence": row["confidence"],
                            "evidence": row["evidence"],
                            "note": row["note"],
                            "state": "active",
                            "reject_reason": None,
                            "ls_updated_at": when,
                            "replaced_at": removed_at,
                        }
                    )

    # the last sync saw the last change
    last_sync = max((j["updated_at"] for j in judgments), default=created) + dt.timedelta(minutes=1)
    projects = [
        {
            "id": 1,
            "project_key": PROJECT_KEY,
            "ls_project_id": 1,
            "base_url": "http://127.0.0.1:8080",
            "title": "Claim verification (desk)",
            "config_hash": hashlib.sha256(b"desk labeling config").hexdigest(),
            "webhook_id": 1,
            "synced_until": last_sync,
            "last_synced_at": last_sync,
            "created_at": created,
        }
    ]

    rows = Rows(
        claims=claims,
        articles=articles,
        article_revisions=revisions,
        annotators=annotators,
        ls_projects=projects,
        ls_tasks=tasks,
        mentions=mentions,
        judgments=judgments,
        judgment_revisions=history,
    )
    rows.truth = truth
    rows.claim_truth = claim_truth
    rows.scale = scale
    rows.seed = seed
    return rows


def counts(rows: Rows) -> dict[str, int]:
    """Rows per table, and judgments per state."""
    figures = {table: len(rows[table]) for table in TABLES}
    for state in ("active", "skipped", "deleted"):
        figures[f"judgments_{state}"] = sum(1 for j in rows["judgments"] if j["state"] == state)
    return figures


def load(engine: sa.Engine, rows: Rows) -> None:
    """Bulk-insert ``rows`` into a store migrated with :func:`annotator.db.upgrade`:
    Core ``executemany`` per table in one transaction (through the models' tables, so
    dates, JSON and booleans are stored as the service stores them), then the
    PostgreSQL sequences moved past the ids and the statistics gathered."""
    from annotator.models import Base  # here, so importing this module pulls in nothing

    tables = Base.metadata.tables
    with engine.begin() as connection:
        for name in TABLES:
            if rows.get(name):
                connection.execute(tables[name].insert(), rows[name])
        if engine.dialect.name == "postgresql":
            for name in TABLES:
                if name != "claims" and rows.get(name):
                    connection.execute(
                        sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )
    # as autovacuum would have by the time anyone reads: statistics, and on PostgreSQL the
    # visibility map, so the first read is not a cold one
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))


def build(engine: sa.Engine, scale: float = 1.0, seed: int = SEED) -> Rows:
    """Migrate the (empty) store at ``engine``, generate and load: the rows it holds."""
    from annotator.db import upgrade

    upgrade(engine)
    rows = generate(scale, seed)
    load(engine, rows)
    return rows
