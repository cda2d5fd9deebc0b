"""/thought: the thought record, driven through the real engine and storage as a person
would (type, tap a button by its label)."""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

from flows.lib import markup
from flows.practices import thought
from flows.lib.content import Content, ThoughtContent
from tests.conftest import Chat, set_up, started_thought_record

WANT_TO_DIE = "I want to die"
_THOUGHT_TOML = Path(__file__).resolve().parent.parent / "content" / "practices" / "thought.toml"
TRAP_NAMES = {t["name"] for t in tomllib.loads(_THOUGHT_TOML.read_text(encoding="utf-8"))["trap"]}


async def full_record_until_traps(chat: Chat, text: str = "I always fail, I'm useless") -> None:
    await started_thought_record(chat, "Full record", "Presentation at work on Monday; my slides froze")
    await chat.press("anxious")
    await chat.press("ashamed")
    await chat.press("Done")
    await chat.press("ashamed")  # the strongest
    await chat.send("80")  # typed
    await chat.send(text)
    await chat.press("90")  # tapped


async def at_the_intensity(chat: Chat, situation: str, emotion: str = "sad") -> None:
    """A full record with one emotion chosen: at how strong it was."""
    await started_thought_record(chat, "Full record", situation)
    await chat.press(emotion)
    await chat.press("Done")


async def test_the_full_record_by_taps_and_typing(chat: Chat):
    await set_up(chat)
    await chat.send("/thought")
    assert chat.labels() == ["Full record", "Quick version"]
    await chat.press("Full record")
    assert "Step 1 of 7" in chat.text and "What was happening" in chat.text
    await chat.send("Presentation at work on Monday; my slides froze")
    assert "Step 2 of 7" in chat.text and "anxious" in chat.labels()
    await chat.press("anxious")
    await chat.press("ashamed")
    assert "✓ anxious" in chat.labels() and "Chosen: anxious, ashamed" in chat.text
    await chat.press("Done")
    assert "strongest" in chat.text and chat.labels() == ["anxious", "ashamed"]
    await chat.press("ashamed")
    assert "How strong was the feeling (ashamed)" in chat.text and "Step 2 of 7" in chat.text
    assert chat.labels() == [str(v) for v in range(0, 101, 10)]
    await chat.send("85")
    assert "Step 3 of 7" in chat.text and "What went through your mind?" in chat.text
    await chat.send("Everyone thinks I'm useless")
    assert "How much do you believe" in chat.text and len(chat.labels()) == 11
    await chat.press("90")
    assert "Step 3 of 7" in chat.text and "thinking trap" in chat.text
    assert "Everyone thinks I'm useless" in chat.text  # quoted back
    await chat.press("Mind reading")
    assert "✓ Mind reading" in chat.labels() and "Done" in chat.labels()
    await chat.press("Done")
    assert "Step 4 of 7" in chat.text and "Everyone thinks I'm useless" in chat.text  # quoted back
    await chat.send("Nobody asked a question after the talk")
    assert "Step 5 of 7" in chat.text and "Everyone thinks I'm useless" in chat.text
    # Socratic questions for the trap they picked, and a general one
    assert "What do you know for sure about what they think" in chat.text
    assert "What would you say to a friend" in chat.text
    await chat.send("My manager said the content was clear")
    assert "Step 6 of 7" in chat.text and "Everyone thinks I'm useless" in chat.text
    assert "Sometimes a thought is simply accurate" in chat.text
    await chat.send("The tech failed, not me; people liked the content")
    assert "Step 7 of 7" in chat.text and "Skip" in chat.labels()
    await chat.send("40")
    assert "how strong is the feeling (ashamed) now" in chat.text
    await chat.press("30")
    summary = chat.text
    assert "Your thought record" in summary
    assert "Belief in the thought: 90 → 40" in summary and "Ashamed: 85 → 30" in summary
    assert "Thinking traps: Mind reading" in summary
    assert "My manager said the content was clear" in summary
    assert "went from 90 to 40" in summary and "Saved" in summary
    await chat.send("/journal")
    assert "Thought record" in chat.text and "Thought: Everyone thinks I'm useless" in chat.text
    assert "Belief 90% → 40%" in chat.text and "ashamed 85% → 30%" in chat.text


async def test_the_saved_entry_holds_every_field(chat: Chat, storage):
    await set_up(chat)
    await full_record_until_traps(chat)
    await chat.press("Not sure")
    await chat.press("Skip")
    await chat.press("Skip")
    await chat.send("I got one thing wrong, that's all")
    await chat.press("Skip")
    await chat.press("Skip")
    (entry,) = [e for e in await storage.history(chat.user_id) if e.kind == "thought"]
    assert entry.data == {
        "situation": "Presentation at work on Monday; my slides froze",
        "emotion": "ashamed",
        "emotions": ["anxious", "ashamed"],
        "intensity_before": 80,
        "intensity_after": None,
        "thought": "I always fail, I'm useless",
        "belief_before": 90,
        "belief_after": None,
        "traps": [],
        "trap_ids": [],
        "evidence_for": None,
        "evidence_against": None,
        "balanced": "I got one thing wrong, that's all",
        "quick": False,
        "hidden": [],
    }
    assert "Belief in the thought: 90 → —" in chat.text


async def test_the_quick_version(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/thought")
    await chat.press("Quick version")
    assert "Step 1 of 4" in chat.text
    await chat.send("Friend didn't reply to my message")
    assert "Step 2 of 4" in chat.text and "What went through your mind?" in chat.text
    await chat.send("She must think I'm annoying")
    assert "Step 3 of 4" in chat.text and chat.labels()[0] == "Mind reading"
    await chat.press("Mind reading")
    await chat.press("Done")
    assert "Step 4 of 4" in chat.text and "She must think I'm annoying" in chat.text
    await chat.send("She's often busy at work; she'll reply later")
    assert "Your thought record (quick version)" in chat.text
    assert "Thinking traps: Mind reading" in chat.text and "Before → after" not in chat.text
    assert "What supports it" not in chat.text
    (entry,) = await storage.history(chat.user_id)
    assert entry.data["quick"] is True and entry.data["trap_ids"] == ["mind_reading"]
    assert entry.data["belief_before"] is None and entry.data["emotions"] == []


def test_traps_are_ranked_by_what_the_thought_says(content: Content):
    ranker = content.trap_ranker
    ids = tuple(t.id for t in content.of(ThoughtContent).trap)
    assert set(ranker.labels) == {*ids, "none"}  # the model knows exactly the traps the record offers
    assert ranker.rank("It's all my fault, I ruined the party for everyone", ids).traps[0] == "personalisation"
    assert ranker.rank("I should have known better, I ought to be coping by now", ids).traps[0] == "should_statements"
    assert ranker.rank("She didn't reply. She must think I'm boring and annoying", ids).traps[0] == "mind_reading"
    found = ranker.rank("I always mess things up, every single time, nobody ever wants me", ids)
    assert found.matched and "overgeneralisation" in found.traps[:2]
    # Nothing to go on: the commonest traps first, and not called "most likely".
    for text in ("", "🙂", "xq zzv"):
        nothing = ranker.rank(text, ids)
        assert not nothing.matched and nothing.traps == tuple(thought.DEFAULT_ORDER)
    assert sorted(ranker.rank("anything at all", ids).traps) == sorted(ids)


async def test_the_likeliest_traps_are_offered_first_and_more_shows_every_trap(chat: Chat, content: Content):
    await set_up(chat)
    await full_record_until_traps(chat, "I always fail, I'm useless")
    names = [label for label in chat.labels() if label not in ("What's this?", "More traps", "Not sure")]
    assert len(names) == 4
    wanted = {"All-or-nothing thinking", "Overgeneralisation", "Labelling"}
    assert wanted <= set(names)
    assert chat.labels().count("What's this?") == 4
    await chat.press("More traps")
    shown = {label.removeprefix("✓ ") for label in chat.labels()}
    assert {t.name for t in content.of(ThoughtContent).trap} <= shown and "More traps" not in shown
    assert "Here are all of them" in chat.text


def whats_this(chat: Chat, trap: str) -> str:
    """The data of the "What's this?" beside a trap's button."""
    return next(row[1].data for r in chat.replies for row in r.buttons if row[0].label.removeprefix("✓ ") == trap)


async def test_whats_this_explains_the_trap_in_the_question_itself(chat: Chat):
    await set_up(chat)
    await full_record_until_traps(chat, "I always fail, nobody ever wants me")
    assert "These seem the most likely" in chat.text  # the ranker found something to go on
    await chat.incoming(kind="button", data=whats_this(chat, "Overgeneralisation"))
    (question,) = chat.replies  # one message: the question, with the explanation under it
    assert "Step 3 of 7" in chat.text and "Overgeneralisation" in chat.labels()  # the same question
    assert "<b>Overgeneralisation</b>" in question.text and "treating it as a pattern" in chat.text
    assert "Nobody ever wants me" in chat.text  # its example
    await chat.press("Overgeneralisation")  # picking it keeps the explanation in view
    assert "treating it as a pattern" in chat.text and "✓ Overgeneralisation" in chat.labels()
    other = next(label for label in chat.labels() if label in TRAP_NAMES and label != "Overgeneralisation")
    await chat.incoming(kind="button", data=whats_this(chat, other))  # another replaces it
    assert "treating it as a pattern" not in chat.text and f"<b>{html.escape(other, quote=False)}</b>" in chat.replies[0].text
    await chat.incoming(kind="button", data=whats_this(chat, other))  # tapped again: hidden
    assert f"<b>{html.escape(other, quote=False)}</b>" not in chat.replies[0].text and "Step 3 of 7" in chat.text
    await chat.press("Done")
    assert "Step 4 of 7" in chat.text


async def test_several_traps_and_their_questions(chat: Chat):
    await set_up(chat)
    await full_record_until_traps(chat)
    await chat.press("Overgeneralisation")
    await chat.press("Labelling")
    await chat.press("✓ Labelling")  # changed their mind
    await chat.press("All-or-nothing thinking")
    await chat.press("Done")
    await chat.press("Skip")
    assert "Can you think of a time when things went differently" not in chat.text
    assert "Is this one event, or does it happen every time?" in chat.text  # overgeneralisation
    assert "Is there any middle ground" in chat.text  # all-or-nothing
    assert "Does one action, or one moment" not in chat.text  # labelling was unpicked
    await chat.press("Skip")
    await chat.send("I failed once; I've done well before")
    await chat.press("Skip")
    await chat.press("Skip")
    assert "Thinking traps: Overgeneralisation, All-or-nothing thinking" in chat.text


async def test_bad_numbers_are_re_asked(chat: Chat):
    await set_up(chat)
    await at_the_intensity(chat, "At home")
    for wrong in ("150", "-5", "lots", "7.5"):
        await chat.send(wrong)
        assert chat.text == "Tap a number, or type one from 0 to 100."
        assert len(chat.labels()) == 11
    await chat.send("75%")
    assert "What went through your mind?" in chat.text


async def test_situation_and_thought_are_required_and_long_answers_refused(chat: Chat):
    await set_up(chat)
    await chat.send("/thought")
    await chat.press("Quick version")
    await chat.send("x" * 1001)
    assert "up to 1000 characters" in chat.text
    await chat.send("At the shops")
    replies = await chat.send("   ")
    assert "needs the thought itself" in chat.text and "Step 2 of 4" not in chat.text
    assert len(replies) == 1
    await chat.send("They're staring at me")
    assert "Step 3 of 4" in chat.text


async def test_a_suicidal_thought_is_never_challenged_and_never_praised(chat: Chat, storage):
    await set_up(chat)
    await at_the_intensity(chat, "Alone at home after the argument", "hopeless")
    await chat.press("90")
    await chat.send(WANT_TO_DIE)
    assert "Are you safe right now?" in chat.text and "want to die" not in chat.text
    await chat.press("Safe for now")
    assert chat.labels() == ["My safety plan", "Carry on", "Stop for now"]
    await chat.press("Carry on")
    # No thinking traps, no evidence, no "Well done": a kind end that offers the plan and help.
    assert "leave the thought record here" in chat.text and "/safetyplan" in chat.text and "/crisis" in chat.text
    assert "thinking trap" not in chat.text.lower() and "well done" not in chat.text.lower()
    assert "want to die" not in chat.text and chat.labels() == []  # no second menu
    (entry,) = [e for e in await storage.history(chat.user_id) if e.kind == "thought"]
    assert entry.data["thought"] == WANT_TO_DIE and entry.data["hidden"] == ["thought"]
    assert entry.data["ended_for_safety"] is True and entry.data["trap_ids"] == []
    await chat.send("/journal")
    assert "Thought: (hidden)" in chat.text and "want to die" not in chat.text
    assert any(label.startswith("Show hidden words") for label in chat.labels())


async def test_stop_for_now_after_a_suicidal_thought(chat: Chat, storage):
    await set_up(chat)
    await started_thought_record(chat, "Quick version", "Bad day")
    await chat.send("i want to kill myself")
    await chat.press("Safe for now")
    await chat.press("Stop for now")
    assert "kill myself" not in chat.text and "well done" not in chat.text.lower()
    await chat.send("/help")
    assert "thinking trap" not in chat.text.lower()  # the record is not waiting to go on


async def test_a_flagged_last_answer_is_hidden_in_the_entry(chat: Chat, storage):
    await set_up(chat)
    await started_thought_record(chat, "Quick version", "Work")
    await chat.send("I'm going to mess it up")
    await chat.press("Not sure")
    await chat.send("maybe everyone would be better off without me")
    assert "better off without me" not in chat.text
    (entry,) = [e for e in await storage.history(chat.user_id) if e.kind == "thought"]
    assert entry.data["hidden"] == ["balanced"]
    await chat.send("/journal")
    assert "better off without me" not in chat.text and "Balanced: (hidden)" in chat.text


async def test_being_hurt_is_not_a_thinking_trap(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/thought")
    await chat.press("Full record")
    await chat.send("my boyfriend hits me when he drinks")
    text = chat.text
    assert "0808 2000 247" in text and text.index("0808 2000 247") < text.index("116 123")  # the abuse line first
    await chat.press("Safe for now")
    assert "0808 2000 247" in chat.text  # the follow-up offers the abuse line too
    await chat.press("Carry on")
    assert "isn't a thinking trap" in chat.text and "0808 2000 247" in chat.text
    assert "Step 2 of 7" not in chat.text and "hits me" not in chat.text
    assert not any("Personalisation" in label for label in chat.labels())
    (entry,) = [e for e in await storage.history(chat.user_id) if e.kind == "thought"]
    assert entry.data["hidden"] == ["situation"]


async def test_an_unwanted_thought_of_harming_someone_can_still_be_worked_on(chat: Chat):
    await set_up(chat)
    await started_thought_record(chat, "Quick version", "Bathing the baby")
    await chat.send("i keep having thoughts about hurting my baby and it terrifies me")
    assert "doesn't make you dangerous" in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "thinking trap" in chat.text and "hurting my baby" not in chat.text


async def test_an_age_mention_points_to_a_youth_line_without_a_safety_offer(chat: Chat):
    await set_up(chat)
    await chat.send("/thought")
    await chat.press("Full record")
    await chat.send("im 16 and I failed my maths exam")
    assert "Childline" in chat.text and "Step 2 of 7" in chat.text  # the record goes on


async def test_words_typed_where_a_number_was_asked_still_count(chat: Chat):
    await set_up(chat)
    await at_the_intensity(chat, "Evening at home")
    await chat.send("i want to end my life")
    assert "Are you safe right now?" in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "Tap a number" not in chat.text and "leave the thought record here" in chat.text


async def test_cancel_leaves_nothing_saved(chat: Chat, storage):
    await set_up(chat)
    await full_record_until_traps(chat)
    await chat.press("Not sure")
    await chat.send("/cancel")
    assert await storage.history(chat.user_id) == []
    await chat.send("/journal")
    assert "Nothing recorded yet" in chat.text


async def test_without_consent_nothing_is_kept(chat: Chat, storage):
    await set_up(chat, consent="No, don't keep them")
    await started_thought_record(chat, "Quick version", "Exam results")
    await chat.send("I'm a failure")
    await chat.press("Labelling")
    await chat.press("Done")
    await chat.send("One result doesn't define me")
    assert "Your thought record" in chat.text and "isn't saved" in chat.text
    assert await storage.history(chat.user_id) == []


async def test_the_record_resumes_after_a_restart(chat: Chat, engine_factory):
    await set_up(chat)
    await started_thought_record(chat, "Quick version", "On the bus")
    chat.engine = engine_factory()  # a new process, the same database
    await chat.send("Everyone is staring at me")
    assert "Step 3 of 4" in chat.text and "Everyone is staring at me" in chat.text


async def test_the_summary_stays_under_telegrams_limit_with_long_answers(chat: Chat):
    await set_up(chat)
    long = " ".join(
        f"On day {i} of the audit I checked the spreadsheets, answered my manager's emails and stayed late."
        for i in range(1, 20)
    )[:1000]
    await chat.send("/thought")
    await chat.press("Full record")
    await chat.send(long)
    await chat.send(", ".join(f"feeling number {i}" for i in range(10)))
    await chat.press("feeling number 9")
    await chat.press("100")
    await chat.send(long)
    await chat.press("100")
    await chat.press("More traps")
    for trap in thought.DEFAULT_ORDER:
        label = next(label for label in chat.labels() if label.endswith(trap_name(chat, trap)))
        await chat.press(label)
    await chat.press("Done")
    for _ in range(3):
        assert all(markup.visible_length(r.text) < 4096 for r in chat.replies)
        await chat.send(long)
    await chat.press("0")
    await chat.press("0")
    summary = chat.replies[0].text
    assert "Your thought record" in summary and "…" in summary
    markup.check(summary)  # Telegram would parse it
    assert markup.visible_length(summary) < 4096


def trap_name(chat: Chat, trap_id: str) -> str:
    return next(t.name for t in chat.engine.content.of(ThoughtContent).trap if t.id == trap_id)


async def test_without_anything_to_go_on_the_traps_are_not_called_most_likely(chat: Chat):
    await set_up(chat)
    await full_record_until_traps(chat, "hmm")
    assert "These seem the most likely" not in chat.text
    assert "Here are the ones people meet most often" in chat.text
    shown = [label for label in chat.labels() if label in TRAP_NAMES]
    assert shown == [trap_name(chat, t) for t in thought.DEFAULT_ORDER[:4]]
