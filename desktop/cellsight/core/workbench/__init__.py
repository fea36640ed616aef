"""The analyst's workbench: saved searches, alerts, tags, stars, notes, quotes, briefs.

Everything here is user data, kept in the library's ``user.sqlite`` beside the sources
and catalogue edits: never touched by a re-index or rebuild, exported with the library.
"""
