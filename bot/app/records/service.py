"""The user's records: `/export` (a chat's cases as one zip) and `/forget` (delete what the
bot holds about one person).

`/export` sends one zip: `cases.csv`, one row a case for any spreadsheet, and a
`case-<id>.md` per case that a person can read on its own (the answers, the stored
verdict and its rulebook sources, the message, the timeline, the evidence list).
Nothing is recomputed: the verdict is the one stored with the case.

`/forget` asks first, then deletes in one transaction everything about the user: their
private chat's team and all under it, and their own rows in any team (answers in
progress, deep links, memberships, pending inputs, the files they added to a case). A
group's cases stay the group's, with their facts; timelines name people by user id, so
the name goes with the membership. On SQLite the deleted bytes leave the disk too
(secure_delete, then the WAL checkpointed and truncated).

Like the other services this knows nothing of Telegram: it reads and writes through the
Store (what a person's data is, and its SQL: `bot.db.personal`), builds the files with
`bot.app.records.files`, and returns `Reply`s.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.app.cases.service import FollowUpService
from bot.app.records import files
from bot.app.stats import StatsService
from bot.db.personal import PERSONAL_KINDS, PRIVATE_TEAM_TABLES
from bot.db.records import CaseEvent, CaseRecord
from bot.db.store import Store
from bot.views import callbacks, labels
from bot.views.callbacks import Callback, Kind
from bot.views.formats import short_date
from bot.views.i18n import _, ngettext
from bot.views.phrases import said
from bot.views.policy_texts import PolicyTexts
from bot.views.rendering import Renderer
from bot.views.replies import Button, ButtonResult, Document, Reply, Who
from conversations.inputs import whole_number
from conversations.policy import Policy, Situation
from conversations.texts import N_, NP_

if TYPE_CHECKING:
    from bot.app.intake.service import RefundService

# The newest cases an export holds: 500 make a zip of about 450 kB (Telegram takes 50 MB),
# built in about 0.2 s on SQLite, short enough to do inside the update.
EXPORT_LIMIT = 500


# What a confirmation is checked against: the things a person changes themselves (the
# reminder sweep adds reminders and timeline entries on its own, and must not make a
# confirmation stale).
_CONFIRMED_KINDS = frozenset(PERSONAL_KINDS + PRIVATE_TEAM_TABLES) - {"reminders", "case_events"}

# Each kind of row in words, singular and plural (English; `_phrases` shows them in the
# reader's language with ngettext), in the order the user is told.
# (The questions waiting in `pending_inputs` are two kinds, under their old tables' names.)
FORGET_WORDS: dict[str, tuple[str, str]] = {
    "cases": NP_("%(num)s case", "%(num)s cases"),
    "case_events": NP_("%(num)s timeline entry", "%(num)s timeline entries"),
    "evidence": NP_("%(num)s evidence item", "%(num)s evidence items"),
    "reminders": NP_("%(num)s reminder", "%(num)s reminders"),
    "accounts": NP_("%(num)s ad account", "%(num)s ad accounts"),
    "transactions": NP_("%(num)s charge", "%(num)s charges"),
    "intakes": NP_("%(num)s saved place in my questions", "%(num)s saved places in my questions"),
    "pending_imports": NP_("%(num)s unfinished import", "%(num)s unfinished imports"),
    "import_flags": NP_(
        "%(num)s charge pattern an import pointed out",
        "%(num)s charge patterns imports pointed out",
    ),
    "case_inputs": NP_(
        "%(num)s pending ticket or evidence request", "%(num)s pending ticket or evidence requests"
    ),
    "links": NP_("%(num)s group invite link", "%(num)s group invite links"),
    "members": NP_(
        "%(num)s group membership (your name there)", "%(num)s group memberships (your name there)"
    ),
    # One row: the person's own settings (the signature of their messages).
    "users": (N_("your signature (name and contact)"), ""),
    # A private chat has one team row: "your chat settings", never counted.
    "teams": (N_("your chat settings (time zone, quiet hours)"), ""),
}


NOT_YOURS = N_("This button belongs to someone else's question. Nothing was changed.")
ONLY_PRIVATE = N_("That works in your private chat with me. Nothing was changed.")


@dataclass(frozen=True)
class ExportFile:
    """A built export: the zip, how many cases it holds, and how many the chat has."""

    filename: str
    content: bytes
    count: int
    total: int


class RecordsService:
    """`/export` and `/forget`, as a user meets them in a chat."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        policy: Policy,
        clock: Callable[[], datetime],
        followup: FollowUpService,
        policy_texts: PolicyTexts | None = None,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.policy = policy
        self.clock = clock
        self.followup = followup
        self.policy_texts = policy_texts or PolicyTexts(policy)
        self._situations: dict[str, Situation] = {s.id: s for s in policy.situations}

    @classmethod
    def for_service(cls, service: RefundService) -> RecordsService:
        """The records service next to the bot's main service (cheap: holds no state)."""
        return cls(
            service.store,
            service.renderer,
            service.policy,
            service.clock,
            service.followup,
            service.policy_texts,
        )

    # --- /export --------------------------------------------------------------------

    def export(self, who: Who) -> list[Reply]:
        """The chat's cases (a group's: the team's; a private chat's: the user's) as one zip,
        with a short message saying what it holds; no cases, no file."""
        # The person's own signature goes with their private chat's records (a group's
        # export is the team's, not one member's settings).
        signature = None if who.in_group else self.store.signature(who.user_id) or None
        built = self.build_export(who.chat_id, signature=signature)
        text = self.renderer.chat_text(
            "export",
            count=built.count if built else 0,
            total=built.total if built else 0,
            is_group=who.in_group,
            signature=signature,
        )
        if built is None:
            return [Reply(text)]
        values = {"num": built.count, "day": short_date(self._today(who))}
        if who.in_group:
            caption = ngettext(
                "The team's %(num)s refund case, %(day)s.",
                "The team's %(num)s refund cases, %(day)s.",
                built.count,
            )
        else:
            caption = ngettext(
                "Your %(num)s refund case, %(day)s.",
                "Your %(num)s refund cases, %(day)s.",
                built.count,
            )
        caption = caption % values
        return [Reply(text, document=Document(built.filename, built.content, caption))]

    def build_export(self, team_id: int, signature: str | None = None) -> ExportFile | None:
        """The zip of the team's newest cases (up to EXPORT_LIMIT), or None when it has none;
        with the person's `signature` in signature.txt when given."""
        total = self.store.count_cases(team_id)
        if total == 0:
            return None
        # list_cases gives the newest first; the files read better oldest first.
        records = sorted(self.store.list_cases(team_id, limit=EXPORT_LIMIT), key=lambda c: c.id)
        ids = [c.id for c in records]
        events, items = self.store.case_details(ids)
        tz = self.followup.schedule(team_id).tz
        names = self.store.member_names(team_id)
        title = self.store.team_title(team_id)
        now = self.clock().astimezone(tz)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files.add_file(archive, "cases.csv", files.cases_csv(records, tz), now)
            # The figures of /stats (all time), from the same query.
            stats = StatsService(self.store, self.renderer, self.clock, self.followup)
            files.add_file(archive, "stats.csv", stats.csv(team_id), now)
            if signature:
                files.add_file(archive, "signature.txt", (signature + "\n").encode("utf-8"), now)
            for case in records:
                markdown = self._case_markdown(
                    case, events.get(case.id, []), items.get(case.id, []), tz, names, title, now
                )
                files.add_file(archive, f"case-{case.id}.md", markdown.encode("utf-8"), now)
        return ExportFile(
            filename=f"refundbot-export-{now.date().isoformat()}.zip",
            content=buffer.getvalue(),
            count=len(records),
            total=total,
        )

    def _case_markdown(
        self,
        case: CaseRecord,
        events: list[CaseEvent],
        items: list[Mapping[str, Any]],
        tz: tzinfo,
        names: Mapping[int, tuple[str, str | None]],
        title: str | None,
        now: datetime,
    ) -> str:
        situation = self._situations.get(case.situation)
        rule = self._in_words(situation) if situation else None
        fence = files.fence(case.message or "")
        context: dict[str, Any] = {
            "case": self.followup.case_view(case),
            "status": labels.STATUS_WORDS.get(case.status, case.status),
            "opened": case.created_at.astimezone(tz),
            "team": title,
            "exported": now,
            "tz": getattr(tz, "key", str(tz)),
            "owner": files.person(case.owner_user_id, names),
            "assignee": files.person(case.assignee_user_id, names)
            if case.assignee_user_id
            else None,
            "sent_at": case.sent_at.astimezone(tz) if case.sent_at else None,
            "facts": files.facts(case.answers),
            "outcome": labels.OUTCOME_WORDS.get(case.outcome, case.outcome),
            # The rulebook entry the stored verdict came from, as the current policy has
            # it; `same_policy` says whether that is the version the verdict was made with.
            "rule": rule,
            "same_policy": case.policy_version == self.policy.version,
            "current_policy": self.policy.version,
            "sources": [(key, self.policy.sources.get(key, "")) for key in situation.sources]
            if situation
            else [],
            "message_body": files.message_body(case),
            "fence": fence,
            "sent": case.sent_at is not None,
            "events": [
                {
                    "at": e.at.astimezone(tz),
                    "what": labels.EVENT_WORDS.get(e.what, e.what),
                    "detail": labels.event_detail(e.what, e.detail, e.person_user_id, names),
                    "by": files.actor(e.actor_user_id, case, names),
                }
                for e in events
                if e.what not in labels.QUIET_EVENTS
            ],
            "evidence": [
                {
                    "kind": files.EVIDENCE_KINDS.get(item["kind"], item["kind"]),
                    "name": item["name"],
                    "caption": item["caption"],
                    "added_at": files.utc(item["added_at"]).astimezone(tz),
                }
                for item in items
            ],
        }
        text = self.renderer.support.get_template("records/case.md.j2").render(**context)
        return files.tidy(text, fence)

    def _in_words(self, situation: Situation) -> Situation:
        """The rulebook entry with its texts in the reader's language."""
        text = said
        return dataclasses.replace(
            situation,
            title=text(situation.title),
            reasons=tuple(text(line) for line in situation.reasons),
            instead=text(situation.instead) if situation.instead else situation.instead,
        )

    # --- /forget --------------------------------------------------------------------

    def forget(self, who: Who) -> list[Reply]:
        """Ask before deleting everything about the user (only in their private chat)."""
        if who.in_group:
            return [Reply(self.renderer.chat_text("forget_group"))]
        held = self.store.held_about(who.user_id)
        if not any(held.values()):
            return [Reply(self.renderer.chat_text("forget_done", deleted=[]))]
        return [self._confirmation(who, held, changed=False)]

    def forget_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """Yes or No under the confirmation: only for the user who asked, only in their
        private chat, only for what they were shown (so a second press, or an old button
        pressed after new data arrived, deletes nothing unasked)."""
        parts = [pressed.action, *pressed.parts]
        asker = whole_number(parts[1], most_digits=18) if len(parts) >= 2 else None
        if asker is None or parts[0] not in ("yes", "no"):
            return ButtonResult(_("That button isn't one I know."), [])
        if who.in_group:
            return ButtonResult(_(ONLY_PRIVATE), [])
        if asker != who.user_id or who.chat_id != who.user_id:
            return ButtonResult(_(NOT_YOURS), [])
        if parts[0] == "no":
            return ButtonResult(None, [Reply(self.renderer.chat_text("forget_kept"))])
        held = self.store.held_about(who.user_id)
        if not any(held.values()):
            return ButtonResult(_("Already done: I hold nothing about you."), [])
        if len(parts) != 3 or parts[2] != _fingerprint(held):
            # Something was added or removed since the question: ask again with the new list.
            return ButtonResult(
                _("Something changed since you asked."),
                [self._confirmation(who, held, changed=True)],
            )
        deleted = self.store.forget_user(who.user_id)
        text = self.renderer.chat_text("forget_done", deleted=_phrases(deleted))
        return ButtonResult(_("Deleted."), [Reply(text)])

    def _confirmation(self, who: Who, held: Mapping[str, int], *, changed: bool) -> Reply:
        yes = callbacks.menu(Kind.FORGET, "yes", f"{who.user_id}:{_fingerprint(held)}")
        no = callbacks.menu(Kind.FORGET, "no", str(who.user_id))
        return Reply(
            self.renderer.chat_text("forget_confirm", held=_phrases(held), changed=changed),
            [[Button("🗑 " + _("Yes, delete everything"), yes), Button(_("No, keep it"), no)]],
        )

    def _today(self, who: Who) -> date:
        return self.clock().astimezone(self.followup.schedule(who.chat_id).tz).date()


def _fingerprint(held: Mapping[str, int]) -> str:
    """A short digest of what the user was shown: a Yes deletes only that picture."""
    shown = ",".join(f"{kind}={held[kind]}" for kind in sorted(held) if kind in _CONFIRMED_KINDS)
    return hashlib.sha256(shown.encode()).hexdigest()[:10]


def _phrases(counts: Mapping[str, int]) -> list[str]:
    """`2 cases`, `1 ad account`…: the non-zero kinds in words, in FORGET_WORDS order."""
    out = []
    for kind, (one, many) in FORGET_WORDS.items():
        n = counts.get(kind, 0)
        if n:
            single = kind in ("teams", "users")  # one row each: never counted
            out.append(_(one) if single else ngettext(one, many, n) % {"num": n})
    # A kind added to the schema before it has words still gets counted.
    other = sum(n for kind, n in counts.items() if kind not in FORGET_WORDS)
    if other:
        out.append(
            ngettext("%(num)s other saved item", "%(num)s other saved items", other)
            % {"num": other}
        )
    return out
