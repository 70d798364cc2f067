"""The partner's full data export: everything a partner owns, as one archive it downloads.

A partner admin asks for an export (`services.request_export`); the worker builds it in
the background (`services.build_next_export`, a periodic check), step by step so the page
shows its progress; the archive is kept for `EXPORT_KEEP_DAYS` and then deleted by the
worker (`services.delete_expired_exports`). What goes into the archive, and what never
does, is `collect`; its format is described in docs/data-export.md and in the README.md
of each archive.
"""
