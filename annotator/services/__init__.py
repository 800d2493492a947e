"""Operations on the store shared by the API and the CLI.

Services ``add`` and ``flush``; the caller (a request or a CLI command) owns the
transaction, so a failure anywhere stores nothing.
"""
