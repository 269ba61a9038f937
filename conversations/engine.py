"""The engine: `advance(script, state, incoming) -> Turn`.

It never sends, stores or reads the clock: the service stores the returned state, sends the
replies, and carries out the effects, handing each effect's result back as the next
`Incoming` (with `effect_result`) until a turn has no effect left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from conversations import prefill, render, rights, tickets
from conversations.catalogue import LANGUAGES, Catalogue, Language, catalogue
from conversations.choices import (
    DONE,
    KNOWN_PHONE,
    SKIP,
    choice_id,
    find_choice,
    label,
    match_button,
    match_many,
    match_text,
)
from conversations.cleantext import MAX_TEXT, clean_text
from conversations.effects import (
    Effect,
    EffectResult,
    ErasureRequested,
    HeldData,
    NothingToErase,
    RecallAnswers,
    Recalled,
    RequestErasure,
    ShowMyData,
)
from conversations.flow import (
    ChoiceSet,
    Closing,
    EngineConfig,
    Flow,
    FlowContext,
    HandOver,
    ParseContext,
    Parsed,
    Position,
    Repeat,
    Step,
    iter_positions,
)
from conversations.languages import language_named, next_language
from conversations.render import SUMMARY
from conversations.state import ConversationState, PendingAnswer
from conversations.types import Choice, Incoming, Reply
from conversations.validators import Problem, RegionIndex, parse_yes_no
from conversations.words import (
    DONT_KNOW,
    Command,
    canonical,
    command_of,
    command_words,
    is_dont_know,
    normalize,
)

# More villages than this in the NIK's kecamatan: typing a name is quicker than a list.
MAX_SUGGESTED_VILLAGES = 20
# The button that offers to begin an unfinished form again (asked before anything is lost).
RESTART_CHOICE = choice_id("draft", "restart")
# "Bukan" to the one village a search found.
NOT_THIS = "__not_this__"
# The button that takes an answer this chat gave before, and the scratch key of its words.
REUSE = "__reuse__"
REUSED = "reused"

# Set in `state.scratch` by the service when it restored a conversation that its store had
# lost (Redis flushed or restarted): the citizen is told before their next answer is read.
INTERRUPTED = "interrupted"
# Set by the service when the chat's stored state did not open (tampered, or sealed with a
# key no longer held): the citizen is told that the unsent answers are gone, then the menu.
UNREADABLE = "unreadable"
# Scratch keys of the rights words: the mode "data saya" returns to once the data is shown,
# and the one "hapus data saya" returns to when the citizen says no.
SHOWN_FROM = "my_data_from"
ERASE_FROM = "erase_from"


@dataclass(frozen=True)
class Script:
    """Everything the engine needs besides the conversation: flows, settings, region data."""

    flows: Mapping[str, Flow]
    config: EngineConfig
    regions: RegionIndex

    @property
    def menu(self) -> tuple[str, ...]:
        """The flows on the main menu, in the order they were registered."""
        return tuple(name for name, flow in self.flows.items() if flow.on_menu)


@dataclass(frozen=True)
class Turn:
    state: ConversationState
    replies: tuple[Reply, ...]
    # At most one; its result comes back as `Incoming(effect_result=...)`.
    effects: tuple[Effect, ...] = ()


def advance(script: Script, state: ConversationState, incoming: Incoming) -> Turn:
    if incoming.text is not None and len(incoming.text) > MAX_TEXT:
        # Channels cut at the edge already; a caller that does not still gets no text that
        # no question needs (and no 5,000-digit number for `int` to refuse).
        incoming = replace(incoming, text=clean_text(incoming.text))
    run = _Run(script, _own_copy(state), incoming)
    run.handle()
    run.state.updated_at = incoming.now
    return Turn(run.state, tuple(run.replies), tuple(run.effects))


def _own_copy(state: ConversationState) -> ConversationState:
    """A copy the run may change without touching the caller's state. The engine assigns
    answer values and edits only these containers in place, so copying them is enough (a
    deep copy of every answer on every turn was the engine's largest cost)."""
    return state.model_copy(
        update={
            "answers": dict(state.answers),
            "history": list(state.history),
            "flags": list(state.flags),
            "scratch": dict(state.scratch),
        }
    )


@dataclass
class _Run:
    script: Script
    state: ConversationState
    incoming: Incoming
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def cat(self) -> Catalogue:
        return catalogue(self.state.language)

    @property
    def lang(self) -> Language:
        return self.state.language

    def say(self, key: str, **params: Any) -> None:
        self.replies.append(Reply(self.cat.text(key, **params)))

    def flow(self) -> Flow:
        assert self.state.flow is not None
        return self.script.flows[self.state.flow]

    def today(self) -> date:
        """The citizen's calendar day (at 23:00 UTC it is already tomorrow in Jakarta)."""
        now = self.incoming.now
        if now.tzinfo is None:
            return now.date()
        return now.astimezone(ZoneInfo(self.script.config.timezone)).date()

    def parse_context(self, key: str) -> ParseContext:
        return ParseContext(
            now=self.incoming.now,
            today=self.today(),
            language=self.lang,
            answers=self.state.answers,
            regions=self.script.regions,
            key=key,
            partial=dict(self.state.scratch.get("partial", {})),
        )

    def flow_context(self) -> FlowContext:
        return FlowContext(
            today=self.today(),
            language=self.lang,
            regions=self.script.regions,
            config=self.script.config,
            flags=tuple(self.state.flags),
        )

    # -- entry ------------------------------------------------------------------------------

    def handle(self) -> None:
        if self.incoming.effect_result is not None:
            self.on_effect_result(self.incoming.effect_result)
            return
        if self.incoming.sender_phone:
            self.state.known_phone = self.incoming.sender_phone
        if self.state.mode == "await_effect":
            # The service lost an effect's answer (a crash between turns): ask again.
            self.state.mode = "answer"
            self.state.pending = None
        if self.expired_or_paused():
            return
        if self.incoming.rejected is not None:
            self.say(f"problem.{self.incoming.rejected}")
            self.repeat_question()
            return
        command = command_of(self.incoming.text)
        if self.incoming.choice == RESTART_CHOICE:
            command = "restart"
        if command is not None and command != "skip" and self.on_command(command):
            return
        mode = self.state.mode
        if mode == "confirm_cancel":
            self.on_confirm_cancel()
        elif mode == "confirm_warning":
            self.on_confirm_warning()
        elif mode == "resume":
            self.on_resume()
        elif mode == "confirm_restart":
            self.on_confirm_restart()
        elif mode == "confirm_switch":
            self.on_confirm_switch()
        elif mode == "confirm_erase":
            self.on_confirm_erase()
        elif not self.state.in_flow():
            self.on_menu_input()
        elif mode == "menu":
            self.on_menu_input(paused=True)
        elif self.state.position == SUMMARY:
            self.on_summary_input()
        else:
            self.on_answer()

    def expired_or_paused(self) -> bool:
        if self.state.scratch.pop(UNREADABLE, None):
            self.say("session.unreadable")
            self.show_menu()
            return True
        last = self.state.updated_at
        if not self.state.in_flow() or last is None:
            return False
        idle_for = self.incoming.now - last
        config = self.script.config
        if idle_for > config.conversation_ttl:
            days = max(1, config.conversation_ttl.days)
            self.state = self.state.idle()
            self.say("session.expired", days=days)
            self.show_menu()
            return True
        if self.state.scratch.pop(INTERRUPTED, None):
            self.state.mode = "resume"
            self.say("session.interrupted")
            self.ask_resume()
            return True
        if idle_for > config.resume_prompt_after and self.state.mode != "resume":
            self.state.mode = "resume"
            self.ask_resume()
            return True
        return False

    # -- global commands --------------------------------------------------------------------

    def on_command(self, command: Command) -> bool:
        """Handle a word that works anywhere; False lets the current question have it."""
        if command in ("my_data", "erase") and self.question_takes_it():
            return False  # the privacy menu's own item by those words
        if command == "my_data":
            self.show_my_data()
            return True
        if command == "erase":
            self.ask_erase()
            return True
        if self.state.mode == "confirm_erase":
            if command == "help":
                self.say("help.erase")
                self.ask_erase_question()
                return True
            if command in ("cancel", "back", "menu", "restart"):
                # Out of the erasure question, back to where the citizen was; "menu" and
                # "mulai dari awal" then do there what they always do.
                self.state.mode = self.state.scratch.pop(ERASE_FROM, "answer")
                if command in ("cancel", "back"):
                    self.say("erase.kept")
                    self.repeat_question()
                    return True
        if command in ("language", "lang_pick"):
            named = language_named(command_words(self.incoming.text))
            if command == "lang_pick" or named is None:
                named = next_language(self.state.language)
            self.state.language = named
            self.say("language.switched")
            self.repeat_question()
            return True
        if command == "menu":
            if self.state.in_flow():
                self.state.mode = "menu"
            elif self.state.updated_at is None:
                # A first visit ("/start", the chat page opening): say what this is.
                self.say("menu.welcome")
            self.show_menu()
            return True
        if command == "help":
            self.show_help()
            return True
        if command == "cancel":
            if not self.state.in_flow():
                self.say("cancel.nothing")
                self.show_menu()
                return True
            self.state.mode = "confirm_cancel"
            self.ask_yes_no("cancel.confirm", "cancel")
            return True
        if command == "back":
            self.go_back()
            return True
        if command == "restart":
            if not self.state.in_flow():
                self.show_menu()
                return True
            self.state.mode = "confirm_restart"
            self.ask_restart()
            return True
        return False

    # -- the citizen's rights, from anywhere (UU 27/2022) ------------------------------------

    def question_takes_it(self) -> bool:
        """The current question has an option by the words typed (the privacy menu)."""
        step = self.current_step() if self.state.mode == "answer" else None
        if step is None or step.choices is None or step.kind != "choice":
            return False
        return match_text(step.choices, self.incoming.text or "") is not None

    def show_my_data(self) -> None:
        """ "data saya": the unfinished form here, then what was filed (asked of the
        service); afterwards the citizen is where they were, as after "bantuan"."""
        if self.state.in_flow():
            draft = rights.draft_text(self.flow(), self.state.answers, self.flow_context())
            if draft is not None:
                self.replies.append(Reply(draft))
        self.state.scratch[SHOWN_FROM] = self.state.mode
        self.await_effect("my_data", ShowMyData())

    def ask_erase(self) -> None:
        if self.state.mode != "confirm_erase":
            self.state.scratch[ERASE_FROM] = self.state.mode
            self.state.mode = "confirm_erase"
        self.ask_erase_question()

    def ask_erase_question(self) -> None:
        self.reply_choices(self.cat.text("erase.confirm"), "erase", ("yes", "no"), "erase_yes_no")

    def on_confirm_erase(self) -> None:
        answer = self.confirmation("erase", self.ask_erase_question)
        if answer is None:
            return
        if answer:
            self.await_effect("erase", RequestErasure())
            return
        self.state.mode = self.state.scratch.pop(ERASE_FROM, "answer")
        self.say("erase.kept")
        self.repeat_question()

    def on_rights_result(self, awaiting: str, result: EffectResult) -> None:
        """The service's answer to "data saya" or to a confirmed "hapus data saya"."""
        if awaiting == "erase":
            if isinstance(result, ErasureRequested | NothingToErase):
                # The unfinished form goes with this state (its durable copy is overwritten
                # in the same transaction); the service deleted the rest.
                self.state = self.state.idle()
                texts = rights.erasure_texts(result, self.flow_context())
                self.replies.extend(Reply(text) for text in texts)
                self.say("menu.after")
                return
            self.state.mode = self.state.scratch.pop(ERASE_FROM, "answer")
        else:
            self.state.mode = self.state.scratch.pop(SHOWN_FROM, "answer")
            if isinstance(result, HeldData):
                texts = rights.held_texts(result, self.flow_context())
                self.replies.extend(Reply(text) for text in texts)
        self.repeat_question()

    def show_help(self) -> None:
        step = self.current_step()
        if step is None:
            self.say("help.general")
            self.show_menu()
            return
        key = f"help.{step.key}"
        self.say(key if self.cat.has(key) else "help.step")
        self.say("help.commands")
        self.repeat_question()

    def go_back(self) -> None:
        if not self.state.in_flow() or self.state.mode != "answer":
            # Back from a side question (cancel? menu? resume?) is back to the question.
            if self.state.in_flow():
                self.state.mode = "answer"
                self.state.pending = None
                self.state.next_flow = None
            self.repeat_question()
            return
        if self.state.position == SUMMARY and self.state.scratch.get("section"):
            self.show_summary()  # back from "which field?" is the summary
            return
        for key, value in self.state.scratch.get("previous", {}).items():
            # Back out of a change begun at the summary: the earlier answer stands.
            self.state.answers.setdefault(key, value)
        history = self.state.history
        while history:
            key = history.pop()
            if key == self.state.position:
                continue
            if key == SUMMARY or self.position_of(key) is not None:
                self.state.position = key
                self.state.scratch = {}
                self.repeat_question()
                return
        self.say("back.first")
        self.repeat_question()

    # -- modes ------------------------------------------------------------------------------

    def on_confirm_cancel(self) -> None:
        answer = self.confirmation("cancel", lambda: self.ask_yes_no("cancel.confirm", "cancel"))
        if answer is None:
            return
        self.state.mode = "answer"
        if answer:
            self.state = self.state.idle()
            self.say("cancel.done")
            self.show_menu()
        else:
            self.repeat_question()

    def on_confirm_warning(self) -> None:
        pending = self.state.pending
        if pending is None:
            self.state.mode = "answer"
            self.repeat_question()
            return
        answer = self.confirmation("warning", lambda: self.ask_yes_no("warning.confirm", "warning"))
        if answer is None:
            return
        self.state.mode = "answer"
        self.state.pending = None
        if answer:
            for code in pending.warnings:
                flag = f"{code}_confirmed"
                if flag not in self.state.flags:
                    self.state.flags.append(flag)
            self.accept(pending.key, pending.value, pending.extra)
        else:
            self.say("warning.retype")
            self.repeat_question()

    def ask_restart(self) -> None:
        flow_name = self.cat.text(f"flow_name.{self.state.flow}")
        self.reply_choices(
            self.cat.text("restart.confirm", flow=flow_name),
            "restart",
            ("yes", "no"),
            "restart_yes_no",
        )

    def on_confirm_restart(self) -> None:
        answer = self.confirmation("restart", self.ask_restart)
        if answer is None:
            return
        self.state.mode = "answer"
        if answer:
            assert self.state.flow is not None
            self.start_flow(self.state.flow)
        else:
            self.repeat_question()

    def ask_switch(self) -> None:
        self.reply_choices(
            self.cat.text(
                "switch.confirm",
                flow=self.cat.text(f"flow_name.{self.state.flow}"),
                next=self.cat.text(f"flow_name.{self.state.next_flow}"),
            ),
            "switch",
            ("yes", "no"),
            "switch_yes_no",
        )

    def on_confirm_switch(self) -> None:
        answer = self.confirmation("switch", self.ask_switch)
        if answer is None:
            return
        target, self.state.next_flow = self.state.next_flow, None
        self.state.mode = "answer"
        if answer and target is not None:
            self.say("menu.draft_discarded")
            self.start_flow(target)
        else:
            self.continue_draft()

    def continue_draft(self) -> None:
        """Back to the unfinished form's question, with a way to begin it again."""
        self.state.mode = "answer"
        self.say("draft.continued", flow=self.cat.text(f"flow_name.{self.state.flow}"))
        self.ask_current(offer_restart=True)

    def ask_resume(self) -> None:
        flow_name = self.cat.text(f"flow_name.{self.state.flow}")
        self.reply_choices(
            self.cat.text("session.resume", flow=flow_name),
            "resume",
            ("continue", "restart", "menu"),
            "resume",
        )

    def on_resume(self) -> None:
        picked = self.pick("resume", ("continue", "restart", "menu"), "resume")
        if picked is None:
            self.say("problem.choice_invalid", count=3)
            self.ask_resume()
            return
        self.state.mode = "answer"
        if picked == "continue":
            self.repeat_question()
        elif picked == "restart":
            self.state.mode = "confirm_restart"
            self.ask_restart()
        else:
            # The menu keeps the form: "Lanjutkan pengisian" is its first choice.
            self.state.mode = "menu"
            self.show_menu()

    # -- the menu ---------------------------------------------------------------------------

    def menu_values(self) -> tuple[str, ...]:
        # An unfinished form comes first: "1" is what people press to carry on.
        base = (*self.script.menu, "bahasa", "bantuan")
        return ("lanjut", *base) if self.state.in_flow() else base

    def show_menu(self) -> None:
        if self.state.in_flow():
            flow_name = self.cat.text(f"flow_name.{self.state.flow}")
            text = self.cat.text("menu.paused", flow=flow_name)
        else:
            text = self.cat.text("menu.prompt")
        self.reply_choices(text, "menu", self.menu_values(), "menu")

    def on_menu_input(self, *, paused: bool = False) -> None:
        text = self.incoming.text or ""
        picked = self.pick("menu", self.menu_values(), "menu")
        # A ticket typed at the menu is looked up, unless that would drop a form (a flow
        # with a summary is real work; a paused status look-up is not).
        keeps_nothing = not paused or not self.flow().confirm
        if picked is None and keeps_nothing and tickets.typed_at_the_menu(text):
            self.start_flow("status", {"mode": "ticket"}, ask=False)
            self.on_answer()
            return
        if picked is None:
            if self.state.updated_at is None and not paused:
                self.say("menu.welcome")
            elif text or self.incoming.choice:
                self.say("menu.not_understood")
            self.show_menu()
            return
        if picked == "lanjut":
            self.state.mode = "answer"
            self.repeat_question()
        elif picked == "bahasa":
            self.on_command("lang_pick")
        elif picked == "bantuan":
            self.say("help.general")
            self.show_menu()
        elif paused and picked == self.state.flow:
            self.continue_draft()
        elif paused and self.flow().confirm:
            # A form with a summary holds real work: never drop it without asking.
            self.state.mode = "confirm_switch"
            self.state.next_flow = picked
            self.ask_switch()
        else:
            self.start_flow(picked)

    # -- flows ------------------------------------------------------------------------------

    def start_flow(
        self, name: str, answers: Mapping[str, Any] | None = None, *, ask: bool = True
    ) -> None:
        self.state = ConversationState(
            language=self.state.language,
            known_phone=self.state.known_phone,
            flow=name,
            answers=dict(answers or {}),
            started_at=self.incoming.now,
            updated_at=self.state.updated_at,
        )
        if self.script.config.reads_photos and self.flow().card_groups:
            self.state.answers[prefill.READS] = True  # the card is asked first (prefill.py)
        self.state.position = self.next_key()
        if ask:
            self.say(f"flow_intro.{name}")
            self.ask_current()

    def current_step(self) -> Step | None:
        if not self.state.in_flow() or self.state.position in (None, SUMMARY):
            return None
        position = self.position_of(self.state.position or "")
        return position.step if position else None

    def position_of(self, key: str) -> Position | None:
        for position in iter_positions(self.flow(), self.state.answers):
            if position.key == key:
                return position
        return None

    def next_key(self) -> str:
        flow = self.flow()
        for position in iter_positions(flow, self.state.answers):
            if position.key not in self.state.answers:
                return position.key
        return SUMMARY if flow.confirm else ""

    def repeat_question(self) -> None:
        if self.state.mode == "confirm_erase":
            self.ask_erase_question()
        elif not self.state.in_flow():
            self.show_menu()
        elif self.state.mode == "confirm_cancel":
            self.ask_yes_no("cancel.confirm", "cancel")
        elif self.state.mode == "confirm_warning":
            self.ask_yes_no("warning.confirm", "warning")
        elif self.state.mode == "resume":
            self.ask_resume()
        elif self.state.mode == "menu":
            self.show_menu()
        elif self.state.mode == "confirm_restart":
            self.ask_restart()
        elif self.state.mode == "confirm_switch":
            self.ask_switch()
        else:
            self.ask_current()

    def ask_current(self, *, offer_restart: bool = False) -> None:
        self.state.scratch.pop("narrowed", None)  # the whole list is shown again
        key = self.state.position
        if key == SUMMARY:
            self.show_summary()
            return
        if not key:
            self.finish()
            return
        position = self.position_of(key)
        if position is None:
            self.state.position = self.next_key()
            self.ask_current()
            return
        offered = prefill.offer(self.flow(), self.state.answers, key)
        if offered:
            flow, answers = self.flow(), self.state.answers
            self.replies.append(prefill.question(flow, key, offered, answers, self.lang))
            return
        if not offer_restart and self.recall_first(position):
            return  # asked once this chat's earlier answers are known (on_effect_result)
        reply = render.question(
            position,
            self.state.answers,
            self.state.scratch,
            self.lang,
            known_phone=self.state.known_phone,
        )
        if position.step.kind == "village" and "villages" not in self.state.scratch:
            reply = self.suggest_villages(position.key, reply)
        if self.state.scratch.get(REUSED):
            shown = self.cat.text("choice.reuse", value=self.state.scratch[REUSED])
            reply = replace(reply, choices=(Choice(choice_id(key, REUSE), shown), *reply.choices))
        if offer_restart:
            restart = Choice(RESTART_CHOICE, self.cat.text("choice.restart"))
            reply = replace(reply, choices=(*reply.choices, restart))
        self.replies.append(reply)

    # -- answers this chat gave in its earlier requests (Step.reuse) ---------------------------

    def recall_first(self, position: Position) -> bool:
        """Ask the service what this chat answered before, once per question; True when the
        question waits for it. Only the masked words of the offer are kept (scratch)."""
        reuse = position.step.reuse
        if reuse is None or REUSED in self.state.scratch or self.effects:
            return False
        if reuse.when is not None and not reuse.when(self.state.answers):
            return False
        if position.step.asks_phone and self.state.known_phone:
            return False  # the channel's own number is offered already
        self.await_effect("reuse", RecallAnswers(reuse.facts))
        return True

    def takes_reused(self, key: str) -> bool:
        """Did the citizen tap "Pakai ..." (or type "ya", or its number 1)?"""
        if not self.state.scratch.get(REUSED):
            return False
        incoming = self.incoming
        if incoming.choice is not None:
            return incoming.choice == choice_id(key, REUSE)
        said = incoming.text or ""
        return normalize(said) == "1" or parse_yes_no(said) is True

    def on_recalled(self, awaiting: str, result: EffectResult) -> None:
        position = self.position_of(self.state.position or "")
        reuse = position.step.reuse if position else None
        values = result.values if isinstance(result, Recalled) else {}
        complete = reuse is not None and all(values.get(fact) for fact in reuse.facts)
        if reuse is None or not complete:
            self.state.scratch[REUSED] = ""
            if awaiting == "reuse_take":
                self.say("reuse.gone")  # deleted or withdrawn since it was offered
            self.ask_current()
            return
        if awaiting == "reuse":
            self.state.scratch[REUSED] = reuse.shown(values)
            self.ask_current()
            return
        # Tapped: the answer as if the citizen had typed it, through the same checks.
        self.incoming = Incoming(now=self.incoming.now, text=reuse.typed(values))
        self.on_answer()

    def await_effect(self, awaiting: str, effect: Effect) -> None:
        self.state.mode = "await_effect"
        self.state.scratch["awaiting"] = awaiting
        self.effects.append(effect)

    def suggest_villages(self, key: str, reply: Reply) -> Reply:
        """The villages of the NIK's kecamatan as choices: most people live where they are
        registered, and one press saves typing a name and picking it from a list."""
        nik = str(self.state.answers.get("nik") or "")
        if len(nik) < 6:
            return reply
        kecamatan = f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}"
        villages = self.script.regions.villages_in_kecamatan(kecamatan)
        if not villages or len(villages) > MAX_SUGGESTED_VILLAGES:
            return reply
        self.state.scratch["villages"] = [v.code for v in villages]
        place = villages[0].label().split(", ", 1)[-1]
        text = reply.text + "\n\n" + self.cat.text("village.near_nik", place=place)
        choices = tuple(Choice(choice_id(key, v.code), v.name) for v in villages)
        return replace(reply, text=text, choices=choices, expects="choice")

    def move_on(self) -> None:
        self.state.position = self.next_key()
        self.state.scratch = {}
        self.ask_current()

    # -- answers ----------------------------------------------------------------------------

    def on_answer(self) -> None:
        key = self.state.position or ""
        position = self.position_of(key)
        if position is None:
            self.move_on()
            return
        step = position.step
        incoming = self.incoming
        offered = prefill.offer(self.flow(), self.state.answers, key)
        if offered and self.on_card_answer(key, offered):
            return
        if step.reuse is not None and self.takes_reused(key):
            self.await_effect("reuse_take", RecallAnswers(step.reuse.facts))
            return
        dont_know = incoming.choice is None and is_dont_know(incoming.text)
        skipping = command_of(incoming.text) == "skip" or (incoming.choice == choice_id(key, SKIP))
        if dont_know and step.optional and not _offers_dont_know(step):
            skipping = True  # "ketik lewati jika tidak tahu": "ga tau" says the same
        if dont_know and not step.optional and not _offers_dont_know(step):
            self.say(f"help.{step.key}" if self.cat.has(f"help.{step.key}") else "help.step")
            self.ask_current()
            return
        if skipping:
            if step.optional:
                self.accept(key, None, {_sibling(key, k): None for k in step.skips_also})
            else:
                self.say("problem.required")
                self.ask_current()
            return
        if step.kind == "village":
            self.on_village(position)
            return
        if step.asks_phone and self.takes_known_phone(key):
            self.accept(key, self.state.known_phone, {})
            return
        if incoming.choice is not None and not incoming.choice.startswith(f"{key}="):
            self.say("problem.stale_button")
            self.ask_current()
            return
        parsed = self.parse(position)
        if parsed is None:
            return
        if not parsed.ok and parsed.partial:
            # Part of a grouped answer was right: it is kept, and only the rest is asked.
            self.state.scratch["partial"] = dict(parsed.partial)
            self.replies.append(Reply("\n".join(e.message(self.lang) for e in parsed.errors)))
            return
        if not parsed.ok:
            self.refuse(parsed.errors)
            return
        if parsed.warnings:
            self.state.pending = PendingAnswer(
                key=key,
                value=parsed.value,
                extra=dict(parsed.extra),
                warnings=[w.code for w in parsed.warnings],
            )
            self.state.mode = "confirm_warning"
            for warning in parsed.warnings:
                self.replies.append(Reply(warning.message(self.lang)))
            self.ask_yes_no("warning.confirm", "warning")
            return
        if parsed.notes:
            self.replies.append(Reply("\n".join(n.message(self.lang) for n in parsed.notes)))
        self.verify_or_accept(position, parsed)

    def parse(self, position: Position) -> Parsed | None:
        """The answer as a value; None when a reply was already given (a stale button)."""
        step, key, incoming = position.step, position.key, self.incoming
        if step.kind == "photo":
            if incoming.photo is None:
                return Parsed(errors=(Problem("photo_expected"),))
            photo = incoming.photo
            return Parsed({"ref": photo.ref, "content_type": photo.content_type})
        if step.kind == "location":
            if incoming.location is None:
                return Parsed(errors=(Problem("location_expected"),))
            return Parsed({"lat": incoming.location.lat, "lon": incoming.location.lon})
        if incoming.photo is not None or incoming.location is not None:
            return Parsed(errors=(Problem("text_expected"),))
        if step.asks_phone and incoming.contact_phone and step.parse is not None:
            return step.parse(incoming, self.parse_context(key))
        if step.kind in ("choice", "yes_no"):
            values = step.choices.values if step.choices else ("yes", "no")
            if incoming.choice is not None:
                match = match_button(key, incoming.choice, values)
                if match.stale:
                    self.say("problem.stale_button")
                    self.ask_current()
                    return None
                return self.checked_choice(position, match.value)
            if step.kind == "yes_no":
                answer = parse_yes_no(incoming.text or "")
                if answer is None and step.choices:
                    picked = match_text(step.choices, incoming.text or "")
                    answer = None if picked is None else picked == "yes"
                if answer is None:
                    return Parsed(errors=(Problem("yes_no"),))
                return self.checked_choice(position, "yes" if answer else "no")
            assert step.choices is not None
            said = incoming.text or ""
            found = find_choice(step.choices, said, self.state.scratch.get("narrowed"))
            if found.candidates:
                self.ask_narrowed(position, said, found.candidates)
                return None
            if found.value is None:
                count = len(step.choices.values)
                return Parsed(errors=(Problem("choice_not_found", _quoted(said, count)),))
            return self.checked_choice(position, found.value)
        if step.kind == "multi_choice":
            assert step.choices is not None
            if incoming.choice is not None:
                match = match_button(key, incoming.choice, (*step.choices.values, DONE))
                if match.stale or match.value is None:
                    self.say("problem.stale_button")
                    self.ask_current()
                    return None
                return self.toggle(position, match.value)
            said = canonical(incoming.text or "")
            # "Selesai" by its word, or by its number after the options (shown once picked).
            done_number = str(len(step.choices.values) + 1)
            if said in _DONE_WORDS or (said == done_number and self.state.scratch.get("picked")):
                return self.toggle(position, DONE)
            return self.parse_many(step.choices, incoming.text or "")
        if incoming.text is None or not incoming.text.strip():
            return Parsed(errors=(Problem("text_expected"),))
        if step.parse is None:
            return Parsed(incoming.text.strip())
        return step.parse(incoming, self.parse_context(key))

    def ask_narrowed(self, position: Position, said: str, candidates: tuple[str, ...]) -> None:
        """Several options fit what was typed: ask again with only those, numbered anew."""
        assert position.step.choices is not None
        self.state.scratch["narrowed"] = list(candidates)
        choices = tuple(
            Choice(choice_id(position.key, v), label(position.step.choices, v, self.lang))
            for v in candidates
        )
        text = self.cat.text("choice_which.prompt", said=_clip(said))
        self.replies.append(Reply(text, choices, expects="choice"))

    def toggle(self, position: Position, value: str) -> Parsed | None:
        """A multiple choice by buttons: each press adds or removes one, "Selesai" ends."""
        choices = position.step.choices
        assert choices is not None
        picked: list[str] = list(self.state.scratch.get("picked", []))
        if value == DONE:
            if not picked:
                return Parsed(errors=(Problem("choices_none"),))
            return Parsed(picked)
        if value == choices.exclusive:
            return Parsed([value])  # "Tidak ada" alone: nothing more to pick
        picked = [v for v in picked if v != value] if value in picked else [*picked, value]
        self.state.scratch["picked"] = [v for v in choices.values if v in picked]
        self.ask_current()
        return None

    def takes_known_phone(self, key: str) -> bool:
        """Did the citizen accept the number the channel knows ("ya" or the button)?"""
        if not self.state.known_phone:
            return False
        if self.incoming.choice is not None:
            return self.incoming.choice == choice_id(key, KNOWN_PHONE)
        return parse_yes_no(self.incoming.text or "") is True

    def parse_many(self, choices: ChoiceSet, text: str) -> Parsed:
        picked = match_many(choices, text)
        if not picked:
            return Parsed(errors=(Problem("choices_invalid", {"count": len(choices.values)}),))
        exclusive = choices.exclusive
        if exclusive is not None and exclusive in picked and len(picked) > 1:
            alone = label(choices, exclusive, self.lang)
            return Parsed(errors=(Problem("choices_exclusive", {"label": alone}),))
        return Parsed(picked)

    def checked_choice(self, position: Position, value: str | None) -> Parsed:
        if value is None:
            count = len(position.step.choices.values) if position.step.choices else 2
            return Parsed(errors=(Problem("choice_invalid", {"count": count}),))
        if position.step.parse is not None:
            return position.step.parse(
                Incoming(now=self.incoming.now, text=value), self.parse_context(position.key)
            )
        return Parsed(value)

    def refuse(self, errors: tuple[Problem, ...]) -> None:
        # One message, however many parts of a grouped answer were wrong.
        self.replies.append(Reply("\n".join(error.message(self.lang) for error in errors)))
        self.ask_current()

    def verify_or_accept(self, position: Position, parsed: Parsed) -> None:
        check = position.step.verify
        effect = check.request(parsed.value, self.state.answers) if check else None
        if effect is None:
            self.accept(position.key, parsed.value, parsed.extra)
            return
        self.state.pending = PendingAnswer(
            key=position.key, value=parsed.value, extra=dict(parsed.extra)
        )
        self.await_effect("verify", effect)

    def accept(self, key: str, value: Any, extra: Mapping[str, Any]) -> None:
        position = self.store(key, value, extra)
        handover = (
            next((h for h in position.step.hands_over if h.value == value), None)
            if position
            else None
        )
        if handover is not None:
            self.hand_over(handover)
            return
        goodbye = position.step.stop_if(value) if position and position.step.stop_if else None
        if goodbye:
            self.state = self.state.idle()
            self.say(goodbye)
            self.say("menu.after")
            return
        self.move_on()

    def hand_over(self, handover: HandOver) -> None:
        """Go on in another kind's flow with what was typed so far (Step.hands_over)."""
        carried = {k: v for k, v in handover.carry(self.state.answers).items() if v is not None}
        flags = list(self.state.flags)  # confirmed warnings still stand for carried answers
        self.start_flow(handover.flow, carried, ask=False)
        self.state.flags = flags
        # What is kept, named as the new flow's summary names it ("NIK, Nama"), in its order
        # (whether or not its question applies yet: "for whom" comes first).
        kept: dict[str, str] = {}
        for node in self.flow().nodes:
            if isinstance(node, Step) and node.key in carried and node.summary:
                kept.setdefault(node.key, self.cat.text(node.summary))
        self.say(handover.says, kept=", ".join(kept.values()) or "-")
        self.ask_current()

    def store(self, key: str, value: Any, extra: Mapping[str, Any]) -> Position | None:
        """Keep an accepted answer (and what it implies); the caller moves on."""
        answers = self.state.answers
        position = self.position_of(key)
        if self.state.scratch.get("card_key") == key:
            prefill.confirm(answers, [key, *extra])
        else:
            prefill.unconfirm(answers, [key, *extra])  # typed (or changed): not the card's
        # Changed from the summary, the earlier answer waits in "previous".
        before = answers.get(key, self.state.scratch.get("previous", {}).get(key))
        changed = before is not None and before != value
        answers[key] = value
        answers.update(extra)
        if position is not None and changed:
            fits = position.step.still_fits
            for dependent in position.step.invalidates:
                if fits is None or not fits(dependent, answers):
                    answers.pop(_sibling(key, dependent), None)
        _drop_surplus_repeats(self.flow(), answers)
        if not self.state.history or self.state.history[-1] != key:
            self.state.history.append(key)
        return position

    # -- answers read from a photo (prefill.py) -------------------------------------------------

    def on_card_answer(self, key: str, offered: list[str]) -> bool:
        """The citizen's answer to "read from your KTP: ... correct?"; False when it is an
        answer to the question itself (typed instead of confirming)."""
        incoming, answers = self.incoming, self.state.answers
        if incoming.choice is not None:
            if incoming.choice not in (choice_id(key, prefill.YES), choice_id(key, prefill.NO)):
                return False
            agreed: bool | None = incoming.choice == choice_id(key, prefill.YES)
        elif incoming.text is not None and incoming.photo is None:
            agreed = parse_yes_no(incoming.text)
            said = normalize(incoming.text)
            if agreed is None and said in ("1", "2"):
                agreed = said == "1"  # the numbers shown before the two choices
        else:
            return False
        if agreed is None:
            # The right value typed instead: this question takes it, the card's is dropped.
            prefill.decline(answers, [key])
            return False
        if not agreed:
            prefill.decline(answers, offered)
            self.ask_current()
            return True
        self.take_from_card(offered)
        return True

    def take_from_card(self, keys: list[str]) -> None:
        """Each confirmed value through its question's own parser and check, as if typed."""
        answers = self.state.answers
        for key in keys:
            position = self.position_of(key)
            if position is None:
                continue
            parsed = self.parse_card_value(position, prefill.card_answer(position.step, answers))
            if not parsed.ok or parsed.warnings:
                # Read and confirmed, yet not acceptable here (a birth date that disagrees
                # with the NIK typed before): asked normally, with the reason.
                prefill.decline(answers, [key])
                self.state.position = key
                for problem in (*parsed.errors, *parsed.warnings):
                    self.replies.append(Reply(problem.message(self.lang)))
                self.ask_current()
                return
            self.state.scratch["card_key"] = key
            if position.step.verify is not None:
                # Checked by the service (an open usulan for this NIK?) like a typed one;
                # refused, it is asked normally rather than offered again.
                prefill.decline(answers, [key])
                self.state.position = key
                self.verify_or_accept(position, parsed)
                return
            self.store(key, parsed.value, parsed.extra)
        self.move_on()

    def parse_card_value(self, position: Position, value: Any) -> Parsed:
        step = position.step
        if step.kind == "village":
            village = self.script.regions.village(str(value))
            if village is None:
                return Parsed(errors=(Problem("village_not_found", {"query": str(value)}),))
            return Parsed(village.code, extra={f"{position.key}_label": village.label()})
        if step.kind in ("choice", "yes_no"):
            return self.checked_choice(position, str(value))
        if step.parse is None:
            return Parsed(str(value))
        incoming = Incoming(now=self.incoming.now, text=str(value))
        return step.parse(incoming, self.parse_context(position.key))

    # -- the village question -----------------------------------------------------------------

    def on_village(self, position: Position) -> None:
        key = position.key
        offered: list[str] = self.state.scratch.get("villages", [])
        incoming = self.incoming
        picked: str | None = None
        # "Desa X, Kec. Y — benar?" (one village found): a yes takes it, a no asks again.
        answer = self.one_village_answer(key) if self.state.scratch.get("village_one") else None
        if answer is False:
            self.state.scratch = {}
            self.say("village.other")
            return
        if answer is True:
            picked = offered[0]
        elif incoming.choice is not None:
            match = match_button(key, incoming.choice, offered)
            if match.stale:
                self.say("problem.stale_button")
                self.ask_current()
                return
            picked = match.value
        elif offered and (number := _small_number(incoming.text or "")) is not None:
            index = number - 1
            if not 0 <= index < len(offered):
                self.say("problem.choice_invalid", count=len(offered))
                self.offer_villages(key, offered)
                return
            picked = offered[index]
        elif offered:
            named = self.offered_by_name(offered, incoming.text or "")
            if len(named) == 1:
                picked = named[0]
            elif len(named) > 1:
                self.say("village.several")
                self.state.scratch["villages"] = named
                self.offer_villages(key, named)
                return
        if picked is not None:
            village = self.script.regions.village(picked)
            assert village is not None
            self.state.scratch = {}
            self.accept(key, picked, {f"{key}_label": village.label()})
            return
        query = (incoming.text or "").strip()
        if len(normalize(query)) < 3:
            self.say("problem.village_short")
            self.ask_current()
            return
        prefer = str(self.state.answers.get("nik") or "")[:6] or None
        found = self.script.regions.search_villages(query, prefer_kecamatan=prefer, limit=8)
        if not found:
            self.say("problem.village_not_found", query=query)
            self.ask_current()
            return
        self.state.scratch["villages"] = [v.code for v in found]
        if len(found) == 1:
            self.state.scratch["village_one"] = True
            self.confirm_village(key, found[0].code)
            return
        self.offer_villages(key, [v.code for v in found])

    def confirm_village(self, key: str, code: str) -> None:
        """One village fits what was typed: a yes or no, not a list of one."""
        village = self.script.regions.village(code)
        assert village is not None
        choices = (
            Choice(choice_id(key, code), self.cat.text("choice.village_one.yes")),
            Choice(choice_id(key, NOT_THIS), self.cat.text("choice.village_one.no")),
        )
        text = self.cat.text("village.one", village=village.label())
        self.replies.append(Reply(text, choices, expects="choice"))

    def one_village_answer(self, key: str) -> bool | None:
        """The yes or no to the one village found; None when something else was sent."""
        incoming = self.incoming
        if incoming.choice is not None:
            return False if incoming.choice == choice_id(key, NOT_THIS) else None
        said = normalize(incoming.text or "")
        if said in ("1", "2"):
            return said == "1"
        return parse_yes_no(said)

    def offered_by_name(self, offered: list[str], text: str) -> list[str]:
        """The listed villages a typed name fits ("cinunuk", or the whole label)."""
        said = normalize(text)
        if not said:
            return []
        labels = {}
        for code in offered:
            village = self.script.regions.village(code)
            if village is not None:
                labels[code] = normalize(village.label())
        whole = [code for code, name in labels.items() if name == said]
        if whole:
            return whole
        words = said.split()
        return [
            code
            for code, name in labels.items()
            if all(any(part.startswith(w) for part in name.split()) for w in words)
        ]

    def offer_villages(self, key: str, codes: list[str]) -> None:
        choices = []
        for code in codes:
            village = self.script.regions.village(code)
            if village is not None:
                choices.append(Choice(choice_id(key, code), village.label()))
        self.replies.append(Reply(self.cat.text("village.pick"), tuple(choices), expects="choice"))

    # -- summary and finishing ----------------------------------------------------------------

    def show_summary(self) -> None:
        self.state.scratch.pop("section", None)
        self.replies.extend(render.summary(self.flow(), self.state.answers, self.lang))

    def on_summary_input(self) -> None:
        sections = dict(render.summary_sections(self.flow(), self.state.answers, self.lang))
        incoming = self.incoming
        send = choice_id(SUMMARY, render.SEND)
        if incoming.choice == send or (
            incoming.choice is None and parse_yes_no(incoming.text or "")
        ):
            self.finish()
            return
        opened = self.state.scratch.get("section")
        if opened in sections:
            item = self.pick_field(sections[opened])
            if item is not None:
                self.edit(item)
                return
        name = self.pick_section(list(sections))
        if name is None:
            self.offer_summary_choices(list(sections))
            return
        items = sections[name]
        if len(items) == 1:
            self.edit(items[0])
            return
        self.state.scratch["section"] = name
        self.replies.append(render.section_fields(self.section_label(name), items, self.lang))

    def section_label(self, name: str, lang: Language | None = None) -> str:
        return render.section_label(name, lang or self.lang, self.flow(), self.state.answers)

    def offer_summary_choices(self, sections: list[str]) -> None:
        """An answer the summary does not take: its choices again, in one message."""
        choices = [
            Choice(
                choice_id(SUMMARY, render.EDIT_SECTION + name),
                self.cat.text("choice.summary.edit", section=self.section_label(name)),
            )
            for name in sections
        ]
        choices.append(
            Choice(choice_id(SUMMARY, render.SEND), self.cat.text("choice.summary.send"))
        )
        text = self.cat.text("problem.summary_input", count=len(sections))
        self.replies.append(Reply(text, tuple(choices), numbered=False))

    def pick_section(self, sections: list[str]) -> str | None:
        """A section by its button, its number in the summary or its name ("ubah alamat")."""
        incoming = self.incoming
        if incoming.choice is not None:
            head = choice_id(SUMMARY, render.EDIT_SECTION)
            name = incoming.choice.removeprefix(head)
            return name if incoming.choice.startswith(head) and name in sections else None
        said = [w for w in normalize(incoming.text or "").split() if w not in _EDIT_WORDS]
        if len(said) == 1 and (number := _small_number(said[0])) is not None:
            return sections[number - 1] if 1 <= number <= len(sections) else None
        # Its words now and its usual words, in every language ("ubah data diri" still works).
        names = {
            n: " ".join(
                f"{render.section_label(n, lang)} {self.section_label(n, lang)}"
                for lang in LANGUAGES
            )
            for n in sections
        }
        fitting = [n for n, label in names.items() if said and _all_fit(said, _words_of(label, n))]
        return fitting[0] if len(fitting) == 1 else None

    def pick_field(self, items: list[render.SummaryItem]) -> render.SummaryItem | None:
        incoming = self.incoming
        if incoming.choice is not None:
            head = choice_id(SUMMARY, render.EDIT_FIELD)
            index = incoming.choice.removeprefix(head)
            position = _small_number(index)
            if incoming.choice.startswith(head) and position is not None and position < len(items):
                return items[position]
            return None
        said = [w for w in normalize(incoming.text or "").split() if w not in _EDIT_WORDS]
        if len(said) == 1 and (number := _small_number(said[0])) is not None:
            return items[number - 1] if 1 <= number <= len(items) else None
        fitting = [i for i in items if said and _all_fit(said, normalize(i.label).split())]
        return fitting[0] if len(fitting) == 1 else None

    def edit(self, item: render.SummaryItem) -> None:
        self.ask_again(item.keys)

    def ask_again(self, keys: tuple[str, ...]) -> None:
        """Forget these answers (showing what they were) and ask them before the summary."""
        answers = self.state.answers
        self.state.scratch = {"previous": {k: answers[k] for k in keys if k in answers}}
        for key in keys:
            answers.pop(key, None)
        self.state.history.append(SUMMARY)
        self.state.position = self.next_key()
        self.ask_current()

    def finish(self) -> None:
        effect = self.flow().finish.effect(self.state.answers, self.flow_context())
        if effect is None:
            self.close(None)
            return
        self.await_effect("finish", effect)

    def close(self, result: EffectResult | None) -> None:
        closing: Closing = self.flow().finish.closing(
            self.state.answers, result, self.flow_context()
        )
        for text in closing.texts:
            self.replies.append(Reply(text))
        if closing.ask_again:
            self.ask_again(closing.ask_again)
            return
        self.state = self.state.idle()
        self.say("menu.after")

    def on_effect_result(self, result: EffectResult) -> None:
        awaiting = self.state.scratch.pop("awaiting", None)
        self.state.mode = "answer"
        if awaiting in ("my_data", "erase"):
            self.on_rights_result(awaiting, result)
            return
        if not self.state.in_flow():
            return
        if awaiting == "finish":
            self.close(result)
            return
        if awaiting in ("reuse", "reuse_take"):
            self.on_recalled(awaiting, result)
            return
        pending = self.state.pending
        self.state.pending = None
        position = self.position_of(pending.key) if pending else None
        if pending is None or position is None or position.step.verify is None:
            self.repeat_question()
            return
        verdict = position.step.verify.verdict(result, pending.value, self.state.answers)
        if verdict.stop:
            for error in verdict.errors:
                self.replies.append(Reply(error.message(self.lang)))
            self.state = self.state.idle()  # no question follows a lock-out
            return
        if not verdict.ok:
            if self.retakes_used_up(position.step, verdict):
                # Kept as sent (staff can still look at it); the flow goes on by typing.
                self.accept(pending.key, pending.value, {**pending.extra, **verdict.extra})
                return
            self.refuse(verdict.errors)
            return
        # The check may complete the value (a ticket typed without its letter).
        value = pending.value if verdict.value is None else verdict.value
        self.accept(pending.key, value, {**pending.extra, **verdict.extra})

    def retakes_used_up(self, step: Step, verdict: Parsed) -> bool:
        """A refused photo: False asks for another; True after `step.retakes` of them."""
        if not step.retakes:
            return False
        failures = int(self.state.scratch.get("retakes", 0)) + 1
        self.state.scratch["retakes"] = failures
        if failures < step.retakes:
            return False
        for error in verdict.errors:
            self.replies.append(Reply(error.message(self.lang)))
        self.say(
            f"photo.go_on.{step.key}"
            if self.cat.has(f"photo.go_on.{step.key}")
            else "photo.go_on.default"
        )
        return True

    # -- small question helpers ---------------------------------------------------------------

    def reply_choices(self, text: str, key: str, values: tuple[str, ...], choice_set: str) -> None:
        choices = tuple(
            Choice(choice_id(key, v), self.cat.text(f"choice.{choice_set}.{v}")) for v in values
        )
        self.replies.append(Reply(text, choices, expects="choice"))

    def ask_yes_no(self, prompt: str, key: str) -> None:
        self.reply_choices(self.cat.text(prompt), key, ("yes", "no"), f"{key}_yes_no")

    def pick(self, key: str, values: tuple[str, ...], choice_set: str) -> str | None:
        if self.incoming.choice is not None:
            return match_button(key, self.incoming.choice, values).value
        return match_text(ChoiceSet(choice_set, values), self.incoming.text or "")

    def confirmation(self, key: str, ask_again: Callable[[], None]) -> bool | None:
        """The yes or no to a side question; neither says so and asks it again (None)."""
        answer = self.yes_no(key)
        if answer is None:
            self.say("problem.yes_no")
            ask_again()
        return answer

    def yes_no(self, key: str) -> bool | None:
        if self.incoming.choice is not None:
            value = match_button(key, self.incoming.choice, ("yes", "no")).value
            return None if value is None else value == "yes"
        said = self.incoming.text or ""
        answer = parse_yes_no(said)
        if answer is None and normalize(said) in ("1", "2"):
            answer = normalize(said) == "1"
        return answer


# Typed to end a multiple choice made with buttons.
_DONE_WORDS = frozenset({"selesai", "sudah", "done", "finish", "cukup"})


def _offers_dont_know(step: Step) -> bool:
    """A choice with its own "belum tahu" option takes "ga tau" as that option."""
    return step.choices is not None and match_text(step.choices, DONT_KNOW) is not None


def _clip(said: str, limit: int = 40) -> str:
    """What the citizen typed, quoted back, never long enough to flood a message."""
    said = " ".join(said.split())
    return said if len(said) <= limit else said[: limit - 1] + "…"


def _quoted(said: str, count: int) -> dict[str, Any]:
    return {"said": _clip(said), "count": count}


# Words around a section's name at the summary: "ubah alamat", "ganti bagian 2".
_EDIT_WORDS = frozenset({"ubah", "ganti", "edit", "change", "bagian", "section", "perbaiki"})


def _words_of(label: str, name: str) -> list[str]:
    return normalize(f"{label} {name.replace('_', ' ')}").split()


def _all_fit(said: list[str], words: list[str]) -> bool:
    return all(any(w.startswith(s) for w in words) for s in said)


def _sibling(key: str, dependent: str) -> str:
    """The key of `dependent` next to `key` (inside the same repetition, if any)."""
    head, _, _ = key.rpartition(".")
    return f"{head}.{dependent}" if head else dependent


def _drop_surplus_repeats(flow: Flow, answers: dict[str, Any]) -> None:
    """Forget members beyond a household size that was lowered."""
    for node in flow.nodes:
        if isinstance(node, Repeat):
            count = node.count(answers) if node.applies(answers) else 0
            for key in [k for k in answers if k.startswith(f"{node.key}.")]:
                index = key.split(".")[1]
                if index.isdigit() and int(index) >= count:
                    del answers[key]


def _small_number(text: str) -> int | None:
    """A typed position ("3"): ASCII digits, at most six. A 5,000-digit answer is not a
    position (and `int` refuses more than 4,300 digits with a ValueError)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
