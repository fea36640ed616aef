"""The team's user data merged three ways with this machine's (team.userdata_index holds
the server side: the ``<index>-userdata`` mapping and the paged pull).

A sync pulls every record, then for each one compares this machine's rows now (L), the
state last synced (S, ``team_records``) and the server's (R): L≠S is a local change,
sent; R≠S a remote one, applied to the local tables in one transaction with S; both
changed, the later ``at`` wins (ties: the larger user name). A record sent is written
only over the server version it was merged with (``if_seq_no``; ``create`` where the
server had none): if another member sent it meanwhile, it stays pending and the next
sync merges again, so the server never keeps the earlier of two edits. ``_id`` per
record makes a resend harmless: a sync killed anywhere (fault point ``team-userdata``:
after the pull's commit and after each bulk, before its S update) loses nothing and
duplicates nothing. A userdata index deleted or recreated on the server (its uuid
changed) resets S, so this machine sends everything again instead of deleting what the
server lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .. import faults
from ..userdata import UserData
from .client import Client, TeamError
from .userdata_index import SUFFIX, Remote, index_uuid, pull
from .userdata_records import (
    CATALOGUE_KINDS,
    KEYED,
    Record,
    apply,
    install,
    local_records,
    local_ref,
    now_at,
)

log = logging.getLogger("cellsight.team")
# Records per bulk; CELLSIGHT_TEAM_BULK_DOCS lowers it (tests kill between small bulks).
BULK_RECORDS = int(os.environ.get("CELLSIGHT_TEAM_BULK_DOCS") or 500)
ITEM_RETRIES = 4
RETRY_ITEM_STATUS = frozenset({429, 503})


@dataclass(frozen=True)
class Attribution:
    """Who made the synced version of a record, and when: "by alice · 3 Dec"."""

    user: str
    at: dt.datetime

    def text(self) -> str:
        """"alice · 3 Dec 2026 14:05", in this machine's time zone."""
        at = self.at.astimezone()
        return f"{self.user} · {at.day} {at:%b %Y %H:%M}"


@dataclass
class UserSyncReport:
    pulled: int = 0  # others' changes applied here
    pushed: int = 0  # this machine's changes (tombstones too) sent
    conflicts: int = 0  # changed on both sides: the later change kept
    pending: int = 0  # local changes not sent (a reader, or sent meanwhile by another)
    catalogue_changed: bool = False  # pulled entities, aliases or hidden entities
    pulled_kinds: frozenset[str] = frozenset()
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record id, reason)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Send:
    rid: str
    kind: str
    key: str
    hash: str
    at: str
    ref: str
    payload: dict[str, Any] | None
    over: tuple[int, int] | None  # the server version merged with; None: it had none


class TeamUserData:
    def __init__(self, client: Client, user: UserData, member: str) -> None:
        self.client, self.user, self.member = client, user, member
        self.index = client.url.index + SUFFIX
        with user.transaction():
            install(user.conn)

    # -- sync -----------------------------------------------------------------------------
    def sync(self, *, push: bool = True, report: UserSyncReport | None = None
             ) -> UserSyncReport:
        """Pull, merge, apply, then send (``push``) what changed here; TeamError as the
        client raises it (unreachable, a reader's 403 …): what is local stays local.
        ``report`` is filled as it goes, so a caller sees what was pulled even then."""
        t0 = time.perf_counter()
        report = report if report is not None else UserSyncReport()
        uuid = index_uuid(self.client, self.index)
        remote = pull(self.client, self.index) if uuid is not None else {}
        with self.user.transaction():
            send = self._merge(uuid, remote, report)
        faults.plan("team-userdata", 1 + (len(send) + BULK_RECORDS - 1) // BULK_RECORDS)
        faults.reached("team-userdata")
        if send and not push:
            report.pending = len(send)
        elif send:
            try:
                uuid = uuid or index_uuid(self.client, self.index, create=True)
                for at in range(0, len(send), BULK_RECORDS):
                    self._bulk(send[at:at + BULK_RECORDS], uuid or "", report)
            except TeamError:
                report.pending += len(send) - report.pushed - len(report.failed)
                raise
            self.client.request("POST", "/" + quote(self.index, safe="") + "/_refresh")
        report.seconds = time.perf_counter() - t0
        log.info("team user data: %d pulled, %d pushed, %d conflicts, %d pending, %d failed "
                 "in %.2f s", report.pulled, report.pushed, report.conflicts, report.pending,
                 len(report.failed), report.seconds)
        return report

    def _merge(self, uuid: str | None, remote: dict[str, Remote],
               report: UserSyncReport) -> list[_Send]:
        """In the caller's transaction: apply what the server changed, return what to send."""
        conn = self.user.conn
        self._reset_if_recreated(uuid)
        local = local_records(conn)
        synced = {r[0]: r[1:] for r in conn.execute(
            "SELECT record_id, hash, user, at, local_ref FROM team_records")}
        changed = dict(conn.execute("SELECT local_ref, at FROM team_changes").fetchall())
        send: list[_Send] = []
        kinds: set[str] = set()
        now = now_at()
        for rid in sorted(set(local) | set(synced) | set(remote)):
            mine, last, theirs = local.get(rid), synced.get(rid), remote.get(rid)
            lh, sh, rh = mine.hash if mine else "", last[0] if last else "", \
                theirs.hash if theirs else ""
            ref = mine.local_ref if mine else (last[3] if last else "")
            if lh == sh and rh == sh:
                if theirs is not None and last is not None and (last[1], last[2]) != (
                        theirs.user, theirs.at):  # the same content, re-sent by another
                    self._remember(rid, rh, theirs.user, theirs.at, ref)
                continue
            if lh == rh:  # the same edit on both sides, or deleted on both
                if theirs is not None:
                    self._remember(rid, rh, theirs.user, theirs.at, ref)
                else:
                    conn.execute("DELETE FROM team_records WHERE record_id=?", (rid,))
                continue
            at = changed.get(ref) or now
            local_wins = lh != sh
            if lh != sh and rh != sh:
                report.conflicts += 1
                # A record the server lost loses nothing of an edit made here.
                local_wins = theirs is None or (at, self.member) > (theirs.at, theirs.user)
            if local_wins:
                send.append(self._to_send(rid, mine, last, at, ref, theirs))
            elif theirs is not None or last is not None:
                self._take(rid, theirs, last)
                kinds.add(theirs.kind if theirs else rid.partition(":")[0])
                report.pulled += 1
        report.pulled_kinds = frozenset(kinds)
        report.catalogue_changed = bool(kinds & CATALOGUE_KINDS)
        return send

    def _to_send(self, rid: str, mine: Record | None, last: tuple[str, ...] | None, at: str,
                 ref: str, theirs: Remote | None) -> _Send:
        if mine is not None:
            return _Send(rid, mine.kind, mine.key, mine.hash, at, ref, mine.payload,
                         theirs.version if theirs else None)
        kind = theirs.kind if theirs else rid.partition(":")[0]
        key = theirs.key if theirs else (
            rid.partition(":")[2] if kind in KEYED else ref.partition(":")[2])
        return _Send(rid, kind, key, "", at, ref, None, theirs.version if theirs else None)

    def _take(self, rid: str, theirs: Remote | None, last: tuple[str, ...] | None) -> None:
        """The server's version into the local tables, and into S, in this transaction."""
        if theirs is None:  # gone from the server (deleted there by hand): gone here too
            kind, _, key = rid.partition(":")
            if kind not in KEYED:  # the key as written (a long one's id is hashed)
                key = (last[3] if last else "").partition(":")[2]
            ref = apply(self.user.conn, kind, key, None)
            self.user.conn.execute("DELETE FROM team_records WHERE record_id=?", (rid,))
        else:
            ref = apply(self.user.conn, theirs.kind, theirs.key, theirs.payload)
            self._remember(rid, theirs.hash, theirs.user, theirs.at, ref)
        self.user.conn.execute("DELETE FROM team_changes WHERE local_ref=?", (ref,))

    def _remember(self, rid: str, h: str, user: str, at: str, ref: str) -> None:
        self.user.conn.execute("INSERT OR REPLACE INTO team_records VALUES (?, ?, ?, ?, ?)",
                               (rid, h, user, at, ref))

    def _reset_if_recreated(self, uuid: str | None) -> None:
        conn = self.user.conn
        row = conn.execute("SELECT value FROM team_meta WHERE name='index_uuid'").fetchone()
        if (row[0] if row else None) == uuid:
            return
        if row is not None or uuid is None:
            log.info("team user data index %s is new or gone: sending everything again",
                     self.index)
            conn.execute("DELETE FROM team_records")
        if uuid is None:
            conn.execute("DELETE FROM team_meta WHERE name='index_uuid'")
        else:
            conn.execute("INSERT OR REPLACE INTO team_meta VALUES ('index_uuid', ?)", (uuid,))

    def _bulk(self, batch: list[_Send], uuid: str, report: UserSyncReport) -> None:
        pending, done = batch, []
        for attempt in range(ITEM_RETRIES + 1):
            lines: list[Any] = []
            for s in pending:
                meta: dict[str, Any] = {"_index": self.index, "_id": s.rid}
                if s.over is not None:
                    meta |= {"if_seq_no": s.over[0], "if_primary_term": s.over[1]}
                doc: dict[str, Any] = {"rid": s.rid, "kind": s.kind, "key": s.key,
                                       "user": self.member, "at": s.at,
                                       "deleted": s.payload is None}
                if s.payload is not None:
                    doc["payload"] = s.payload
                lines += [{"index" if s.over is not None else "create": meta}, doc]
            _status, answer = self.client.request("POST", "/_bulk", ndjson=lines)
            if not isinstance(answer, dict) or "items" not in answer:
                raise TeamError(f"The team library server's bulk answer was not understood: "
                                f"{str(answer)[:200]}")
            retry = []
            for s, item in zip(pending, answer["items"], strict=True):
                result = next(iter(item.values()))
                status = result.get("status", 500)
                if status < 300:
                    done.append(s)
                elif status == 409:  # sent meanwhile by another member: merged next time
                    report.pending += 1
                elif status in RETRY_ITEM_STATUS and attempt < ITEM_RETRIES:
                    retry.append(s)
                else:
                    err = result.get("error") or {}
                    report.failed.append((s.rid, f"{err.get('type', status)}: "
                                                 f"{err.get('reason', '')}"))
            if not retry:
                break
            pending = retry
            self.client._pause(attempt, "429/503 for some user-data records")
        faults.reached("team-userdata")  # answered, not yet remembered: resent, no harm
        with self.user.transaction():
            for s in done:
                self._remember(s.rid, s.hash, self.member, s.at, s.ref)
                self.user.conn.execute(
                    "DELETE FROM team_changes WHERE local_ref=? AND at<=?", (s.ref, s.at))
            if uuid:
                self.user.conn.execute(
                    "INSERT OR REPLACE INTO team_meta VALUES ('index_uuid', ?)", (uuid,))
        report.pushed += len(done)

    # -- attribution ----------------------------------------------------------------------
    def author(self, kind: str, ref: object) -> Attribution | None:
        """Who made the synced version of a row (``ref``: an entity id, a saved search's
        name, (doc_id, tag), a note's id …); None before it was synced."""
        row = self.user.conn.execute(
            "SELECT user, at FROM team_records WHERE local_ref=? AND hash!='' "
            "ORDER BY at DESC LIMIT 1", (local_ref(kind, ref),)).fetchone()
        if row is None:
            return None
        return Attribution(row[0], dt.datetime.fromisoformat(row[1].replace("Z", "+00:00")))
