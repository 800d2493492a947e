"""decode_bytes: UTF-8 is silent, other text says how it was read, the rest is refused."""

from __future__ import annotations

import pytest

from annotator.errors import IngestError
from annotator.ingest import DecodedText, decode_bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            "Café “dikutip” – Senin".encode(),
            DecodedText("Café “dikutip” – Senin", "utf-8", None),
            id="utf-8",
        ),
        pytest.param(
            b"\xef\xbb\xbfKYIV, Mercinews.com",
            DecodedText("KYIV, Mercinews.com", "utf-8-sig", None),
            id="utf-8-with-bom",
        ),
        pytest.param(
            b"Caf\xe9 \x93quoted\x94",
            DecodedText("Café “quoted”", "cp1252", "decoded as cp1252: not valid UTF-8 at byte 3"),
            id="cp1252-smart-quotes",
        ),
        pytest.param(
            b"Caf\xe9 cr\xe8me br\xfbl\xe9e",
            DecodedText(
                "Café crème brûlée", "latin-1", "decoded as latin-1: not valid UTF-8 at byte 3"
            ),
            id="latin-1",
        ),
        pytest.param(
            "Café “quoted”".encode("utf-16"),
            DecodedText("Café “quoted”", "utf-16", "decoded as utf-16 (byte-order mark)"),
            id="utf-16-with-bom",
        ),
    ],
)
def test_decodes_text_and_says_how(data: bytes, expected: DecodedText) -> None:
    assert decode_bytes(data, source="a.txt") == expected


def test_other_encodings_are_detected_and_noted() -> None:
    text = "朝鲜开始派遣部队协助俄罗斯在乌克兰的军事行动。这引起了世界的担忧。"
    decoded = decode_bytes(text.encode("gb18030"), source="aboluowang.txt")
    assert decoded.text == text
    assert decoded.note == f"decoded as {decoded.encoding} (detected): not valid UTF-8 at byte 0"


@pytest.mark.parametrize(
    "data",
    [
        b"one\r\ntwo\rthree\n",
        b"one\ntwo\nthree\n",
        b"one\r\ntwo\r\nthree\r\n".replace(b"\r\n", b"\r"),
    ],
    ids=["mixed-crlf-cr", "lf", "old-mac-cr"],
)
def test_newlines_become_lf(data: bytes) -> None:
    assert decode_bytes(data, source="a.txt").text == "one\ntwo\nthree\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "a.txt: file is empty", id="empty"),
        pytest.param(
            b" \n\t\r\n", "a.txt: file is empty (only white space)", id="white-space-only"
        ),
        pytest.param(b"\xef\xbb\xbf", "a.txt: file is empty (only white space)", id="bom-only"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "a.txt: file is binary, not text (NUL byte at byte 8)",
            id="png-nul-bytes",
        ),
        pytest.param(
            bytes(range(1, 32)) * 4 + b"text",
            "a.txt: file is binary, not text (mostly control characters)",
            id="control-characters",
        ),
        pytest.param(
            bytes(range(0x80, 0x100)) * 4,
            "a.txt: file is binary, not text (not valid UTF-8 at byte 0",
            id="high-bytes-no-encoding",
        ),
        pytest.param(
            "“dikutip”".encode() + b" Caf\xe9",
            "a.txt: file mixes encodings: it holds UTF-8 characters but is not valid UTF-8 "
            "at byte 17; save it again as UTF-8",
            id="utf-8-mixed-with-cp1252",
        ),
    ],
)
def test_refuses_what_is_not_text(data: bytes, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        decode_bytes(data, source="a.txt")
    assert caught.value.message.startswith(message)
    assert caught.value.source == "a.txt"
    assert caught.value.line is None
