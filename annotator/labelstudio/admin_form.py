"""Django admin's HTML forms, read and filled in as a browser would.

Label Studio's API cannot deactivate a user, so
:meth:`~annotator.labelstudio.client.LabelStudioClient.set_user_active` fills in the
user's change form in Django admin; this module reads such a form (with the standard
library's HTML parser) and writes it back.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from typing import Any

__all__ = ["AdminForm", "admin_errors", "form_body"]


def form_body(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form fields as httpx's ``data`` (a name given twice, as a multiple select, is a list)."""
    body: dict[str, str | list[str]] = {}
    for name, value in fields:
        if name in body:
            previous = body[name]
            body[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            body[name] = value
    return body


def admin_errors(page: str) -> str:
    """The error messages of a Django admin form page, joined; '' if none."""
    blocks = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, flags=re.S)
    messages = [m for block in blocks for m in re.findall(r"<li>(.*?)</li>", block, flags=re.S)]
    messages += re.findall(r'<p class="errornote">(.*?)</p>', page, flags=re.S)
    return "; ".join(dict.fromkeys(html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in messages))


class AdminForm:
    """One HTML form's fields as a browser would submit them: the named inputs,
    textareas and selects, ticked checkboxes and radios only, no buttons, nothing disabled."""

    def __init__(self) -> None:
        self.fields: list[tuple[str, str]] = []
        self.names: set[str] = set()  # every field, ticked or not

    @property
    def is_active(self) -> bool:
        return any(name == "is_active" for name, _ in self.fields)

    @classmethod
    def find(cls, page: str, field: str) -> AdminForm | None:
        """The first form of ``page`` that has a field named ``field``."""
        parser = _FormParser()
        parser.feed(page)
        parser.close()
        return next((form for form in parser.forms if field in form.names), None)


class _FormParser(HTMLParser):
    _SKIPPED_INPUTS = ("submit", "button", "image", "reset", "file")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[AdminForm] = []
        self._form: AdminForm | None = None
        self._textarea: tuple[str, list[str]] | None = None
        # the open select: name, multiple, its options (value, selected), disabled
        self._select: tuple[str, bool, list[tuple[str, bool]], bool] | None = None
        self._option: list[Any] | None = None  # [value or None, selected, text parts]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self._form = AdminForm()
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in self._SKIPPED_INPUTS:
                return
            form.names.add(name)
            if "disabled" in a:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            else:
                form.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            form.names.add(name)
            self._textarea = None if "disabled" in a else (name, [])
        elif tag == "select" and name:
            form.names.add(name)
            self._select = (name, "multiple" in a, [], "disabled" in a)
        elif tag == "option" and self._select is not None:
            self._end_option()
            self._option = [a.get("value"), "selected" in a, []]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            text = "".join(parts)
            self._form.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            name, multiple, options, disabled = self._select
            self._select = None
            if self._form is None or disabled or not options:
                return
            chosen = [value for value, selected in options if selected]
            if not multiple:
                chosen = chosen[-1:] or [options[0][0]]
            self._form.fields.extend((name, value) for value in chosen)

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[2].append((value if value is not None else "".join(text).strip(), selected))
        self._option = None
