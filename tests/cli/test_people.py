"""The desk's accounts from the command line, and the first admin `annotator run` makes."""

from __future__ import annotations

import json


def test_add_people_grant_roles_and_deactivate(cli):
    added = cli("people", "add", "Vera@Desk.example", "--role", "viewer", "--name", "Vera", "--login")
    assert added.exit_code == 0, added.output
    assert "added Vera <vera@desk.example>: viewer" in added.output
    assert "password: " in added.output and "(shown once)" in added.output
    assert cli("people", "roles", "vera@desk.example", "--role", "viewer", "--role", "editor").exit_code == 0
    people = json.loads(cli("people", "list", "--json").output)
    assert [(p["email"], p["roles"], p["active"], p["can_log_in"]) for p in people] == [
        ("vera@desk.example", ["editor", "viewer"], True, True)
    ]
    assert cli("people", "deactivate", "vera@desk.example").exit_code == 0
    assert json.loads(cli("people", "list", "--json").output)[0]["active"] is False
    assert cli("people", "reactivate", "vera@desk.example").exit_code == 0


def test_bad_people_commands_exit_with_their_codes(cli):
    assert cli("people", "add", "nobody@desk.example").exit_code == 3  # no role
    assert cli("people", "add", "x@desk.example", "--role", "chief").exit_code == 2
    assert cli("people", "add", "not-an-address", "--role", "viewer").exit_code == 3
    assert cli("people", "add", "twice@desk.example", "--role", "viewer").exit_code == 0
    assert cli("people", "add", "twice@desk.example", "--role", "viewer").exit_code == 5
    assert cli("people", "roles", "ghost@desk.example", "--role", "viewer").exit_code == 4
    assert cli("tokens", "revoke", "999").exit_code == 4


def test_tokens_issue_list_and_revoke(cli):
    cli("people", "add", "bot@desk.example", "--role", "coordinator")
    issued = cli("tokens", "issue", "bot@desk.example", "nightly")
    assert issued.exit_code == 0
    secret = next(line for line in issued.output.splitlines() if line.startswith("ann_"))
    listed = json.loads(cli("tokens", "list", "--json").output)
    assert [(t["email"], t["name"], t["revoked_at"]) for t in listed] == [("bot@desk.example", "nightly", None)]
    assert secret not in json.dumps(listed) and secret.startswith(listed[0]["prefix"])
    assert cli("tokens", "issue", "bot@desk.example", "nightly").exit_code == 5  # the name is taken
    assert cli("tokens", "revoke", str(listed[0]["id"])).exit_code == 0
    assert json.loads(cli("tokens", "list", "bot@desk.example", "--json").output)[0]["revoked_at"]


def test_the_audit_log_names_the_local_operator(cli):
    cli("people", "add", "eve@desk.example", "--role", "viewer")
    cli("claims", "add", "new-claim", "Korea Utara mengirim pasukan.")
    log = json.loads(cli("audit", "--json").output)
    assert [e["action"] for e in log] == ["claim.add", "person.add"]
    assert all(e["via"] == "cli" and e["actor"].startswith("local operator ") for e in log)
    assert json.loads(cli("audit", "--claim", "new-claim", "--json").output)[0]["after"]["text"] == (
        "Korea Utara mengirim pasukan."
    )
    assert "claim.add" in cli("audit").output


def test_run_makes_the_first_admin_once(cli, settings_env):
    first = cli("run", "--no-labelstudio", "--no-serve")
    assert first.exit_code == 0, first.output
    line = next(line for line in first.output.splitlines() if line.startswith("desk admin:"))
    assert "admin@localhost" in line and "password: " in line and "shown once" in line
    again = cli("run", "--no-labelstudio", "--no-serve")
    assert "password: " not in next(line for line in again.output.splitlines() if line.startswith("desk admin:"))
    admins = [p for p in json.loads(cli("people", "list", "--json").output) if "admin" in p["roles"]]
    assert len(admins) == 1 and admins[0]["can_log_in"]
