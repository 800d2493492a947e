"""Article files -> articles: decoding, formats, page furniture, dates, metadata.

Pure functions and dataclasses: no database, no Flask.  The usual path is::

    rules = load_furniture_rules()                       # config/*.yaml
    for record in read_records(data, source="a.json"):   # bytes -> records
        article = parse_article(record, rules=rules)     # record -> clean article
"""

from annotator.ingest.dates import (
    PublicationDate,
    find_dates,
    parse_date,
    parse_published,
    publication_date,
)
from annotator.ingest.decode import DecodedText, decode_bytes
from annotator.ingest.formats import SUPPORTED_EXTENSIONS, ArticleRecord, read_records
from annotator.ingest.furniture import (
    CONFIG_DIR,
    CleanResult,
    Dateline,
    FurnitureRules,
    LanguageRules,
    clean_body,
    load_furniture_rules,
)
from annotator.ingest.metadata import ParsedArticle, detect_language, parse_article

__all__ = [
    "ArticleRecord",
    "CONFIG_DIR",
    "CleanResult",
    "Dateline",
    "DecodedText",
    "FurnitureRules",
    "LanguageRules",
    "ParsedArticle",
    "PublicationDate",
    "SUPPORTED_EXTENSIONS",
    "clean_body",
    "decode_bytes",
    "detect_language",
    "find_dates",
    "load_furniture_rules",
    "parse_article",
    "parse_date",
    "parse_published",
    "publication_date",
    "read_records",
]
