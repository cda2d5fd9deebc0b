"""The lean hot path (issue 20): what one update must not redo. A save writes only what
changed and encrypts only a payload that changed; templates are compiled once; /help's pages,
a keyboard's buttons and a thought's ranking of thinking traps are made once. No timings: each test counts what was done (SQL
statements run, payloads encrypted, templates read or rendered)."""

from __future__ import annotations

import re

import pytest

from bot.storage import Storage
from bot.telegram_adapter import keyboard
from flows.dialogue.core import Button, Ctx, FlowState, Incoming, Reply, Settings, UserState
from flows.dialogue.engine import Engine
from flows.lib.content import HELP_GROUPS, Content
from flows.practices import help, thought
from tests.conftest import FIXED_NOW, Chat


class Watch:
    """What a Storage does to the database and with the key while it is watched: the SQL
    statements that write (no reads, no transaction control) and the payloads it encrypts."""

    def __init__(self, storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        self.sealed: list[bytes] = []
        cipher = storage._cipher
        seal = cipher.seal

        def counting_seal(plaintext: bytes) -> bytes:
            self.sealed.append(plaintext)
            return seal(plaintext)

        monkeypatch.setattr(cipher, "seal", counting_seal)
        self.storage = storage
        self.trips = 0  # calls run on SQLite's thread: each a hand-over there and back
        connection = storage.db._db
        execute = connection._execute

        async def counting_execute(*args, **kwargs):
            self.trips += 1
            return await execute(*args, **kwargs)

        monkeypatch.setattr(connection, "_execute", counting_execute)

    async def __aenter__(self) -> Watch:
        await self.storage.db._db.set_trace_callback(self._traced)  # SQLite's
        self.trips = 0  # setting the callback was one
        return self

    async def __aexit__(self, *exc: object) -> None:
        trips = self.trips
        await self.storage.db._db.set_trace_callback(None)
        self.trips = trips

    def _traced(self, statement: str) -> None:
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", statement, re.I):
            self.statements.append(" ".join(statement.split()))

    def tables(self) -> list[str]:
        """The tables written, in order, one per statement."""
        return [re.search(r"(?:INTO|UPDATE|FROM)\s+(\w+)", s, re.I).group(1) for s in self.statements]


async def raw(storage: Storage, sql: str, *params: object) -> list[tuple]:
    return [tuple(row) for row in await storage.db.fetchall(sql, params)]


async def kept(storage: Storage, user_id: int = 7) -> UserState:
    """A person with settings, a safety plan and a practice in progress, saved and loaded back."""
    state = UserState(
        user_id, user_id, Settings(consent=True, country="PT", timezone="Europe/Lisbon", reminder="21:45"),
        FlowState("thought", "situation", 3, {"quick": False}, started=3), last_update_id=10,
    )
    state.safety.plan = {"reasons": "My sister"}
    await storage.save(state)
    return await storage.load(user_id, user_id)


async def test_an_unchanged_record_is_neither_encrypted_nor_written_again(storage: Storage, monkeypatch):
    state = await kept(storage)
    blobs = await raw(storage, "SELECT settings, safety FROM users WHERE user_id = 7")
    async with Watch(storage, monkeypatch) as watch:
        await storage.save(state)
    assert watch.statements == [] and watch.sealed == []
    assert await raw(storage, "SELECT settings, safety FROM users WHERE user_id = 7") == blobs


async def test_a_new_update_id_alone_writes_that_one_column(storage: Storage, monkeypatch):
    state = await kept(storage)
    state.last_update_id = 11
    async with Watch(storage, monkeypatch) as watch:
        await storage.save(state)
    assert watch.sealed == []
    assert watch.statements == ["UPDATE users SET last_update_id = 11 WHERE user_id = 7"]
    assert (await storage.load(7, 7)).last_update_id == 11


async def test_a_changed_setting_is_written_and_only_it_is_encrypted(storage: Storage, monkeypatch):
    state = await kept(storage)
    state.settings.reminder = "08:15"
    state.settings.lessons_read.append("thinking_traps")  # a change inside a list counts too
    async with Watch(storage, monkeypatch) as watch:
        await storage.save(state)
    assert watch.tables() == ["users"] and len(watch.sealed) == 1
    assert "settings = " in watch.statements[0] and "safety" not in watch.statements[0]
    loaded = await storage.load(7, 7)
    assert loaded.settings.reminder == "08:15" and loaded.settings.lessons_read == ["thinking_traps"]
    assert loaded.safety.plan == {"reasons": "My sister"} and loaded.flow == state.flow


async def test_a_step_writes_the_practice_and_leaves_the_settings_alone(storage: Storage, monkeypatch):
    state = await kept(storage)
    assert state.flow is not None
    state.flow.step, state.flow.seq = "thought", 4
    state.flow.data["situation"] = "A meeting moved"
    state.questions_asked = 4
    async with Watch(storage, monkeypatch) as watch:
        await storage.save(state)
    assert watch.tables() == ["users", "flow_state"]
    assert len(watch.sealed) == 1  # the answers; not the settings, the safety plan or the practice's meta
    loaded = await storage.load(7, 7)
    assert loaded.flow == state.flow and loaded.questions_asked == 4


async def test_a_practice_ending_is_deleted_once_and_none_is_not_deleted_again(storage: Storage, monkeypatch):
    state = await kept(storage)
    state.flow = None
    async with Watch(storage, monkeypatch) as watch:
        await storage.save(state)
        assert watch.tables() == ["flow_state"]
        await storage.save(state)
    assert watch.tables() == ["flow_state"]
    assert (await storage.load(7, 7)).flow is None


async def test_a_practice_started_again_is_written_whole(storage: Storage):
    state = await kept(storage)
    state.flow = None
    await storage.save(state)
    state.flow = FlowState("mood", "score", 5, {}, started=5)
    await storage.save(state)
    assert (await storage.load(7, 7)).flow == state.flow


async def test_a_record_gone_since_it_was_read_is_written_whole(storage: Storage):
    state = await kept(storage)
    async with storage.db.transaction() as tx:
        await tx.execute("DELETE FROM users WHERE user_id = 7")  # flow_state goes with it
    state.last_update_id = 12
    state.flow.seq = 4  # type: ignore[union-attr]
    await storage.save(state)
    loaded = await storage.load(7, 7)
    assert loaded.last_update_id == 12 and loaded.settings == state.settings and loaded.flow == state.flow


async def test_a_failed_save_is_written_in_full_by_the_next(storage: Storage, monkeypatch):
    state = await kept(storage)
    state.settings.country = "ES"
    state.changes.risk_events.append({"at": "2026-11-24T12:00:00+00:00", "kinds": ["suicidal"]})
    cipher, encrypt = storage._cipher, storage._cipher.encrypt

    def failing(value):
        raise OSError("disk full")

    monkeypatch.setattr(cipher, "encrypt", failing)
    with pytest.raises(OSError):
        await storage.save(state)
    monkeypatch.setattr(cipher, "encrypt", encrypt)
    await storage.save(state)
    assert (await storage.load(7, 7)).settings.country == "ES"
    assert len(await storage.risk_events(7)) == 1


def seen(update_id: int, user_id: int = 42) -> str:
    """The one write a /help needs: its update id, recorded as it is read (a newer id only)."""
    return (f"UPDATE users SET last_update_id = {update_id} WHERE user_id = {user_id}"
            f" AND (last_update_id IS NULL OR last_update_id < {update_id})")


async def test_help_takes_one_trip_and_writes_only_the_update_id(chat: Chat, storage: Storage, monkeypatch):
    await chat.send("/start")
    async with Watch(storage, monkeypatch) as watch:
        await chat.send("/help")
    assert watch.statements == [seen(chat.next_update_id)] and watch.sealed == []
    assert watch.trips == 1  # the read and the update id's write together


async def test_help_inside_a_practice_leaves_the_practice_unwritten(chat: Chat, storage: Storage, monkeypatch):
    await chat.send("/thought")
    async with Watch(storage, monkeypatch) as watch:
        await chat.send("/help")
    assert watch.statements == [seen(chat.next_update_id)] and watch.sealed == []


async def test_a_thought_step_encrypts_only_its_answers(chat: Chat, storage: Storage, monkeypatch):
    await chat.send("/thought")
    await chat.press("Full record")
    async with Watch(storage, monkeypatch) as watch:
        await chat.send("A meeting at work was moved without a reason")
    # the update id as it is read; then the question's number, and the step and answers
    assert watch.tables() == ["users", "users", "flow_state"] and watch.trips == 2
    assert len(watch.sealed) == 1


async def test_a_repeated_update_is_ignored_and_changes_nothing(engine: Engine, storage: Storage, monkeypatch):
    await engine.handle(Incoming(5, 5, "command", command="help", update_id=100))
    before = await raw(storage, "SELECT * FROM users WHERE user_id = 5")
    async with Watch(storage, monkeypatch) as watch:
        assert await engine.handle(Incoming(5, 5, "command", command="help", update_id=100)) == []
        assert await engine.handle(Incoming(5, 5, "command", command="help", update_id=99)) == []
    assert watch.statements == [seen(100, 5), seen(99, 5)]  # a newer id only: these change no row
    assert await raw(storage, "SELECT * FROM users WHERE user_id = 5") == before
    assert (await storage.load(5, 5)).last_update_id == 100


def test_templates_are_compiled_once_and_never_read_again(content: Content, monkeypatch):
    def read_again(*args):
        raise AssertionError("a template was read from disk after start-up")

    monkeypatch.setattr(content.env.loader, "get_source", read_again)
    text = content.render("general/help", commands=content.commands[:2])
    assert content.commands[0].name in text
    content.env.get_template("beliefs/_quote.html")  # what an {% include %} does when it renders


def test_help_pages_are_made_once_not_on_every_help(content: Content, monkeypatch):
    ctx = Ctx.bare(content, FIXED_NOW)

    def pages() -> list[list[Reply]]:
        return [help.show(ctx, ""), *(help.press_group(ctx, group).replies for group in HELP_GROUPS[1:])]

    made = pages()

    def render_again(*args, **variables):
        raise AssertionError("a /help page was rendered again")

    monkeypatch.setattr(content, "render", render_again)
    assert pages() == made


def test_the_same_buttons_make_one_keyboard():
    buttons = ((Button("More practices", data="g:help:practices"), Button("Settings", data="g:help:settings")),)
    assert keyboard(Reply("one", buttons)) is keyboard(Reply("two", buttons))
    assert keyboard(Reply("none")) is None


def test_a_thought_is_ranked_once_for_its_traps_question_and_its_words_are_not_kept(content: Content, monkeypatch):
    state = UserState(1, 1, flow=FlowState("thought", "traps", 5, {"thought": "Everyone at work will laugh at me, 1291"}))
    ctx = Ctx(state, state.flow.data, content, FIXED_NOW)  # type: ignore[union-attr]
    ranker = content.trap_ranker
    scored: list[str] = []
    probabilities = ranker.probabilities
    monkeypatch.setattr(ranker, "probabilities", lambda text: scored.append(text) or probabilities(text))
    for _ in range(3):  # the question's buttons and words, then a tap on a trap and the question again
        thought.trap_options(ctx), thought.trap_variables(ctx)
    assert len(scored) == 1
    assert not any(isinstance(part, str) and "laugh" in part for key in ranker._ranked for part in key)


def test_a_short_everyday_answer_is_screened_without_the_model(content: Content, monkeypatch):
    """A rating or a word (most answers) is read by the patterns and cues alone: the model
    needs three words. Words a pattern knows, or anything in the day after a crisis
    response, are still weighed by it."""
    from flows.lib.risk_screen import NONE, RESPOND, Context

    screen = content.risk_screen
    scored: list[str] = []
    score = screen.model.score
    monkeypatch.setattr(screen.model, "score", lambda text: scored.append(text) or score(text))
    assert screen.screen("70").level == NONE and screen.screen("anxious").level == NONE
    assert scored == []
    assert screen.screen("I want to die").level == RESPOND and scored == ["I want to die"]
    assert screen.screen("goodbye", Context(recent=frozenset({"suicidal"}))).level == RESPOND
    assert scored[-1] == "goodbye"


def test_a_keyboard_is_turned_into_json_once_not_on_every_request(monkeypatch):
    """PTB asks a keyboard for its dict on every request that carries it; ours answers with
    the one it made when it was built."""
    from telegram import InlineKeyboardButton
    from telegram.request._requestparameter import RequestParameter

    markup = keyboard(Reply("Which?", buttons=((Button("Skip", "9:skip"),),)))

    def walked_again(*args, **kwargs):
        raise AssertionError("a button was turned into JSON again")

    monkeypatch.setattr(InlineKeyboardButton, "to_dict", walked_again)
    for _ in range(2):
        sent = RequestParameter.from_input("reply_markup", markup).json_value
        assert sent == '{"inline_keyboard": [[{"callback_data": "9:skip", "text": "Skip"}]]}'
