"""The one place that calls Label Studio's API (through label-studio-sdk).

Every call goes through :meth:`LabelStudioClient._call`, which turns transport
failures and HTTP errors into the service's error tree with a message that
names what to check: the URL, the API key, or the server's state.  The SDK
itself retries refused connections, 5xx, 408 and 429 with exponential backoff
(``max_retries``); a request that still fails is reported, never half-applied
by us.

Past 450 lines, though one concern: one method per Label Studio operation.  The
longest, :meth:`LabelStudioClient.set_user_active`, needs a credential Django admin
accepts; reading and filling in the admin's HTML form lives in
:mod:`~annotator.labelstudio.admin_form`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import LabelStudioError, LabelStudioUnavailable, LoginRefused
from . import accounts
from .admin_form import AdminForm, admin_errors, form_body

__all__ = ["LabelStudioClient", "ls_timestamp", "parse_ls_time"]

T = TypeVar("T")

#: Label Studio's data-manager filters accept exactly this form (an offset gives a 500).
_LS_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def ls_timestamp(moment: dt.datetime) -> str:
    """``moment`` in the one form Label Studio's datetime filters accept."""
    return moment.astimezone(dt.timezone.utc).strftime(_LS_TIME_FORMAT)


def parse_ls_time(value: str | dt.datetime | None) -> dt.datetime | None:
    """Label Studio's ISO timestamps (``...Z``) as aware datetimes."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _plain(item: Any) -> Any:
    """SDK models as plain dicts (annotations inside tasks already are)."""
    return item.model_dump(mode="json") if hasattr(item, "model_dump") else item


class LabelStudioClient:
    """A Label Studio server at ``url``, reached with ``api_key`` (legacy token or PAT)."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        admin_login: tuple[str, str] | None = None,
    ):
        """``admin_login`` (e-mail, password of the key's user, a superuser) is used only by
        :meth:`set_user_active` when ``api_key`` is a legacy token; the local server's
        connection passes the credentials it provisioned."""
        if not url:
            raise LabelStudioError("no Label Studio URL: set ANNOTATOR_LABEL_STUDIO_URL")
        if not api_key:
            raise LabelStudioError("no Label Studio API key: set ANNOTATOR_LABEL_STUDIO_API_KEY")
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._transport = transport
        self._admin_login = admin_login
        self._sdk = LabelStudio(
            base_url=self.url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            httpx_client=httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)
            if transport is not None
            else None,
        )

    # -- error translation -------------------------------------------------

    def _call(self, doing: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except ApiError as error:
            raise self._api_error(doing, error) from error
        except httpx.TimeoutException as error:
            raise LabelStudioUnavailable(
                f"Label Studio at {self.url} did not answer in time while {doing}: it may be"
                " overloaded; try again, or check `annotator labelstudio status`",
                {"label_studio_url": [f"timed out: {type(error).__name__}"]},
            ) from error
        except httpx.TransportError as error:
            raise LabelStudioUnavailable(
                f"cannot reach Label Studio at {self.url} while {doing} ({error}); is it running,"
                " and is ANNOTATOR_LABEL_STUDIO_URL right?",
                {"label_studio_url": [f"{self.url}: {error}"]},
            ) from error

    def _api_error(self, doing: str, error: ApiError) -> LabelStudioError:
        status = error.status_code
        body = error.body if isinstance(error.body, str) else json.dumps(error.body, default=str)
        if status in (401, 403):
            return LabelStudioError(
                f"Label Studio at {self.url} refused the API key ({status}) while {doing}:"
                " check ANNOTATOR_LABEL_STUDIO_API_KEY (a legacy token or a personal access token)",
                {"label_studio_api_key": [body[:300]]},
            )
        if status is not None and status >= 500:
            return LabelStudioUnavailable(
                f"Label Studio at {self.url} failed ({status}) while {doing}, after retries",
                {"label_studio": [body[:300]]},
            )
        return LabelStudioError(
            f"Label Studio at {self.url} answered {status} while {doing}", {"label_studio": [body[:500]]}
        )

    def _raw(self, doing: str, path: str, *, method: str, **request: Any) -> Any:
        """One request through the SDK's HTTP client (its auth, token refresh and
        retries), answered as plain JSON rather than SDK models."""
        http = self._sdk._client_wrapper.httpx_client
        response = self._call(doing, lambda: http.request(path, method=method, **request))
        if response.status_code >= 400:
            raise self._api_error(
                doing, ApiError(status_code=response.status_code, headers=dict(response.headers), body=response.text)
            )
        return response.json()

    # -- identity ----------------------------------------------------------

    def whoami(self) -> dict:
        """The API key's user; the first call any command makes, so a wrong URL or key shows at once."""
        try:
            return _plain(self._sdk.users.whoami())
        except ApiError as error:
            if error.status_code == 404:
                raise LabelStudioError(
                    f"{self.url} answered, but it is not a Label Studio API (404 on whoami):"
                    " check ANNOTATOR_LABEL_STUDIO_URL",
                    {"label_studio_url": [self.url]},
                ) from error
            raise self._api_error("checking the API key", error) from error
        except httpx.HTTPError:
            return self._call("checking the API key", self._sdk.users.whoami)

    def user(self, user_id: int) -> dict:
        return _plain(self._call(f"reading user {user_id}", lambda: self._sdk.users.get(id=user_id)))

    def users(self) -> list[dict]:
        return [_plain(u) for u in self._call("listing users", self._sdk.users.list)]

    def create_user(self, email: str, *, first_name: str = "", last_name: str = "") -> dict:
        """A user without a usable password (the API ignores passwords): for simulated annotators."""
        return _plain(
            self._call(
                f"creating user {email}",
                lambda: self._sdk.users.create(
                    email=email, username=email, first_name=first_name, last_name=last_name
                ),
            )
        )

    def set_user_active(self, ls_user_id: int, active: bool) -> None:
        """Deactivate (or reactivate) a Label Studio user: once inactive, none of their
        credentials reads anything (legacy token, personal access token, sessions: 401)
        and the login form refuses their password; reactivating restores them all.

        Label Studio's API cannot do it (``PATCH /api/users/{id}/`` ignores
        ``is_active``), so this fills in Django admin's user change form as a browser
        would: the form is read, every field copied back (ticked checkboxes such as
        ``is_staff`` included, or they would be cleared), ``is_active`` set, and the form
        posted; the form is then read again to check.  Doing it twice is harmless.

        Django admin does not take the legacy ``Token`` header, so the credential is, in
        this order: the personal access token's access JWT (refreshed as the SDK does);
        with a legacy token, a session logged in with ``admin_login`` (the local
        server's provisioned admin); else a personal access token minted for this one
        change with the legacy token and revoked (blacklisted) straight after.  The
        key's user must be a Label Studio superuser; no token or password is logged or
        put in an error.
        """
        doing = f"{'reactivating' if active else 'deactivating'} Label Studio user {ls_user_id}"
        if not active and self.whoami().get("id") == ls_user_id:
            raise LabelStudioError(
                f"refusing to deactivate Label Studio user {ls_user_id}: it is the API key's own user,"
                " and the service would lock itself out",
                {"ls_user_id": [str(ls_user_id)]},
            )
        page = f"/admin/users/user/{ls_user_id}/change/"
        with self._admin_client(doing) as admin:
            form = self._admin_form(admin, ls_user_id, doing)
            if form.is_active != active:
                fields = [(name, value) for name, value in form.fields if name not in ("is_active", "_save")]
                if active:
                    fields.append(("is_active", "on"))
                fields.append(("_save", "Save"))
                answer = self._call(doing, lambda: admin.post(page, data=form_body(fields)))
                if answer.status_code != 302 or "/admin/login/" in answer.headers.get("location", ""):
                    errors = admin_errors(answer.text) if answer.status_code == 200 else ""
                    raise LabelStudioError(
                        f"Label Studio's admin did not save user {ls_user_id} (HTTP {answer.status_code})"
                        f" while {doing}: "
                        + (errors or "check that the API key's user is a superuser, and that the user's"
                           " details are valid in Label Studio's /admin/users/user/ page"),
                        {"label_studio_admin": [errors or f"HTTP {answer.status_code}"]},
                    )
                if self._admin_form(admin, ls_user_id, doing).is_active != active:
                    raise LabelStudioError(
                        f"Label Studio's admin accepted the change but user {ls_user_id} is still"
                        f" {'inactive' if active else 'active'}: Label Studio may have changed its admin"
                        " form (expected 1.23); set it by hand in /admin/users/user/",
                        {"ls_user_id": [str(ls_user_id)]},
                    )

    @contextlib.contextmanager
    def _admin_client(self, doing: str) -> Iterator[httpx.Client]:
        """An HTTP client Django admin accepts (see :meth:`set_user_active`); redirects are
        not followed, they are the answers."""
        options: dict[str, Any] = {"base_url": self.url, "timeout": self._timeout, "transport": self._transport}
        wrapper = self._sdk._client_wrapper
        authorization = self._call(doing, lambda: wrapper.get_headers().get("Authorization", ""))
        if authorization.startswith("Bearer "):  # a personal access token: its access JWT
            with httpx.Client(headers={"Authorization": authorization}, **options) as client:
                yield client
        elif self._admin_login is not None:
            email, password = self._admin_login
            try:  # Label Studio's login form, as a browser (not through ``transport``)
                client = self._call(doing, lambda: accounts.login(self.url, email, password))
            except LoginRefused as error:
                raise LabelStudioError(
                    f"cannot log in to Label Studio at {self.url} as {email} while {doing}: {error.message};"
                    " its saved admin credentials (annotator-credentials.json in the data folder) do not match",
                    {"label_studio_admin": [email]},
                ) from error
            try:  # already in use: closed, not entered
                yield client
            finally:
                client.close()
        else:  # a legacy token: a personal access token for this change only
            try:
                refresh = self._call(doing, self._sdk.tokens.create).token
            except LabelStudioError as error:
                cause = error.__cause__
                if isinstance(cause, ApiError) and cause.status_code == 409:
                    raise LabelStudioError(
                        f"Label Studio at {self.url} cannot change users with a legacy token whose user already"
                        " has a personal access token: set ANNOTATOR_LABEL_STUDIO_API_KEY to that personal access"
                        " token (Account & Settings in Label Studio)",
                        {"label_studio_api_key": ["legacy token; a personal access token is needed"]},
                    ) from error
                raise
            try:
                access = self._call(doing, lambda: self._sdk.tokens.refresh(refresh=refresh)).access
                with httpx.Client(headers={"Authorization": f"Bearer {access}"}, **options) as client:
                    yield client
            finally:
                with contextlib.suppress(ApiError, httpx.HTTPError):
                    self._sdk.tokens.blacklist(refresh=refresh)

    def _admin_form(self, admin: httpx.Client, ls_user_id: int, doing: str) -> AdminForm:
        """The user's change form in Django admin, read."""
        page = f"/admin/users/user/{ls_user_id}/change/"
        answer = self._call(doing, lambda: admin.get(page))
        location = answer.headers.get("location", "")
        if answer.status_code in (401, 403) or "/admin/login/" in location:
            raise LabelStudioError(
                f"Label Studio's admin at {self.url} refused the API key's user (HTTP {answer.status_code})"
                f" while {doing}: changing users needs the key of a Label Studio superuser (the owner who set"
                " it up); use that user's personal access token in ANNOTATOR_LABEL_STUDIO_API_KEY, or tick"
                " 'Staff status' and 'Superuser status' for this user in /admin/users/user/",
                {"label_studio_api_key": [f"admin answered HTTP {answer.status_code}"]},
            )
        if answer.status_code in (301, 302) or answer.status_code == 404:
            raise LabelStudioError(
                f"Label Studio at {self.url} has no user {ls_user_id} (its admin answered"
                f" HTTP {answer.status_code}) while {doing}",
                {"ls_user_id": [str(ls_user_id)]},
            )
        if answer.status_code != 200:
            raise LabelStudioError(
                f"Label Studio's admin at {self.url} answered HTTP {answer.status_code} while {doing}",
                {"label_studio_admin": [f"HTTP {answer.status_code}"]},
            )
        form = AdminForm.find(answer.text, "is_active")
        if form is None:
            raise LabelStudioError(
                f"Label Studio's admin page {page} has no is_active field while {doing}: Label Studio"
                " may have changed its admin (expected 1.23)",
                {"label_studio_admin": [page]},
            )
        return form

    def find_user(self, email: str) -> dict | None:
        wanted = email.strip().lower()
        return next((u for u in self.users() if (u.get("email") or "").lower() == wanted), None)

    def invite_url(self) -> str:
        """The organisation's sign-up link: a person who follows it chooses their own password."""
        invite = _plain(self._call("reading the invite link", self._sdk.organizations.invites.get_invite_link))
        return self.url + invite["invite_url"]

    # -- projects ----------------------------------------------------------

    def projects(self, *, title: str | None = None, page_size: int = 100) -> list[dict]:
        """Every project's id, title and description (optionally only those whose title
        contains ``title``, any case), read as plain JSON, 100 to a page (Label Studio's
        most); not their counts, which cost the server a query per project."""
        params: dict[str, Any] = {"include": "id,title,description", "page_size": page_size}
        if title is not None:
            params["title"] = title
        found, page = [], 1
        while True:
            body = self._raw("listing projects", "api/projects/", method="GET", params=params | {"page": page})
            found.extend(body.get("results") or [])
            if not body.get("next"):
                return found
            page += 1

    def project(self, project_id: int) -> dict:
        return _plain(self._call(f"reading project {project_id}", lambda: self._sdk.projects.get(id=project_id)))

    def create_project(self, **fields: Any) -> dict:
        return _plain(self._call("creating the project", lambda: self._sdk.projects.create(**fields)))

    def update_project(self, project_id: int, **fields: Any) -> dict:
        return _plain(
            self._call(f"updating project {project_id}", lambda: self._sdk.projects.update(id=project_id, **fields))
        )

    def validate_label_config(self, project_id: int, label_config: str) -> None:
        self._call(
            "validating the labeling config",
            lambda: self._sdk.projects.validate_label_config(id=project_id, label_config=label_config),
        )

    # -- tasks -------------------------------------------------------------

    def import_tasks(self, project_id: int, tasks: list[dict]) -> list[int]:
        """Import ``tasks`` (with their predictions); their new ids, in order."""
        # Sent as JSON encoded here, through the SDK's own HTTP client (auth, retries):
        # the SDK's encoder walks every value of the payload in Python, which cost
        # 0.3 s per 1,000 tasks, a quarter of the import itself (bench/README.md).
        body = json.dumps(tasks, ensure_ascii=False).encode("utf-8")
        doing = f"importing {len(tasks)} task(s) into project {project_id}"
        answer = self._raw(
            doing,
            f"api/projects/{project_id}/import",
            method="POST",
            params={"return_task_ids": "true"},
            content=body,
            headers={"content-type": "application/json"},
        )
        ids = answer.get("task_ids") if isinstance(answer, dict) else None
        ids = ids if isinstance(ids, list) else []
        if len(ids) != len(tasks):
            raise LabelStudioError(
                f"Label Studio imported {len(ids)} of {len(tasks)} task(s) into project {project_id};"
                " run `annotator push` again: it finds what arrived and adds the rest"
            )
        return ids

    def update_task_data(self, task_id: int, data: dict) -> None:
        self._call(f"updating task {task_id}", lambda: self._sdk.tasks.update(id=task_id, data=data))

    def add_prediction(self, task_id: int, result: list[dict], *, model_version: str, score: float) -> None:
        self._call(
            f"adding predictions to task {task_id}",
            lambda: self._sdk.predictions.create(
                task=task_id, result=result, model_version=model_version, score=score
            ),
        )

    def iter_tasks(
        self,
        project_id: int,
        *,
        updated_after: dt.datetime | None = None,
        fields: str = "all",
        page_size: int = 500,
    ) -> Iterator[dict]:
        """Every task of the project (optionally only those changed after a moment)."""
        query = None
        if updated_after is not None:
            query = json.dumps(
                {
                    "filters": {
                        "conjunction": "and",
                        "items": [
                            {
                                "filter": "filter:tasks:updated_at",
                                "operator": "greater",
                                "type": "Datetime",
                                "value": ls_timestamp(updated_after),
                            }
                        ],
                    }
                }
            )
        # Pages are read as plain JSON, not as SDK models: turning every task and
        # annotation into pydantic objects and back cost ~1.5 s per 3,000
        # annotations (bench/README.md).  The SDK's pager also asks for one page past
        # the end, which Label Studio answers with 404; pages are counted instead.
        page = 1
        while True:
            params = {"project": project_id, "fields": fields, "page": page, "page_size": page_size}
            if query is not None:
                params["query"] = query
            body = self._raw(f"listing tasks of project {project_id}", "api/tasks/", method="GET", params=params)
            tasks = body.get("tasks") or []
            yield from tasks
            if not tasks or page * page_size >= (body.get("total") or 0):
                return
            page += 1

    # -- annotations (demo and tests: people annotate in the UI) ------------

    def annotation(self, annotation_id: int) -> dict | None:
        """Label Studio's own copy of an annotation (skips included), or None when it has
        none: deleted, or never made."""
        http = self._sdk._client_wrapper.httpx_client
        doing = f"reading annotation {annotation_id}"
        response = self._call(doing, lambda: http.request(f"api/annotations/{annotation_id}/", method="GET"))
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise self._api_error(
                doing, ApiError(status_code=response.status_code, headers=dict(response.headers), body=response.text)
            )
        return response.json()

    def create_annotation(self, task_id: int, *, result: list[dict], completed_by: int, was_cancelled: bool = False) -> dict:
        return _plain(
            self._call(
                f"annotating task {task_id}",
                lambda: self._sdk.annotations.create(
                    id=task_id, result=result, completed_by=completed_by, was_cancelled=was_cancelled
                ),
            )
        )

    def export_tasks(self, project_id: int, task_ids: list[int]) -> list[dict]:
        """Some tasks with their annotations, from the project's JSON export.

        Label Studio serves its export about twice as fast as the same tasks through
        the tasks API (bench/README.md), so a full sync reads it; it refuses more
        than ~1,000 ids at once, so callers ask in chunks.
        """
        params = {"exportType": "JSON", "download_all_tasks": "true", "ids[]": [str(i) for i in task_ids]}
        return self._raw(
            f"exporting {len(task_ids)} task(s) of project {project_id}",
            f"api/projects/{project_id}/export",
            method="GET",
            params=params,
        )

    def export_json(self, project_id: int) -> list[dict]:
        """The project's full JSON export (the benchmark's baseline for a sync)."""
        chunks = self._call(
            f"exporting project {project_id}",
            lambda: b"".join(
                self._sdk.projects.exports.download_sync(id=project_id, export_type="JSON", download_all_tasks=True)
            ),
        )
        return json.loads(chunks)

    # -- webhooks ----------------------------------------------------------

    @staticmethod
    def _webhook_fields(url: str, headers: dict[str, str], actions: list[str]) -> dict:
        return {
            "url": url,
            "headers": headers,
            "send_payload": True,
            "send_for_all_actions": False,
            "actions": actions,
            "is_active": True,
        }

    def create_webhook(self, project_id: int, *, url: str, headers: dict[str, str], actions: list[str]) -> int:
        """A new webhook of the project to ``url``; its id."""
        fields = self._webhook_fields(url, headers, actions)
        created = self._call("creating the webhook", lambda: self._sdk.webhooks.create(project=project_id, **fields))
        return _plain(created)["id"]

    def webhooks(self, project_id: int) -> list[dict]:
        """The project's webhooks, ``is_active`` included (newer Label Studio switches a
        hook off after repeated failed deliveries)."""
        hooks = self._raw("listing webhooks", "api/webhooks/", method="GET", params={"project": project_id})
        return [hook for hook in hooks if hook.get("project") == project_id]

    def ensure_webhook(self, project_id: int, *, url: str, headers: dict[str, str], actions: list[str]) -> int:
        """One webhook of the project to ``url``, created or brought up to date; its id."""
        fields = self._webhook_fields(url, headers, actions)
        for hook in self.webhooks(project_id):
            if hook.get("url") == url:
                differs = any(
                    sorted(hook.get(key) or []) != sorted(value) if key == "actions" else hook.get(key) != value
                    for key, value in fields.items()
                )
                if differs:
                    self._call(
                        f"updating webhook {hook['id']}", lambda: self._sdk.webhooks.update(id=hook["id"], **fields)
                    )
                return hook["id"]
        return self.create_webhook(project_id, url=url, headers=headers, actions=actions)
