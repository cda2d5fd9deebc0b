"""/thought end to end: the real Application over HTTP against the fake Bot API, as a person
would use it in Telegram. The `fake` fixture fails any test in which Telegram would have
refused something the bot sent (too long, bad HTML, bad buttons)."""

from __future__ import annotations

from flows.lib.content import Content, ThoughtContent
from tests.conftest import journal_pages, set_up, started_thought_record
from tests.e2e import Person
from tests.fake_telegram import utf16_len

# 1000 characters (the most a step keeps), with characters that HTML escaping makes longer.
LONG = ("At the <b>team</b> meeting Tom & Sam talked over me again, so I said nothing. " * 20)[:1000]


async def test_a_full_record_by_taps_and_typing_then_the_journal(bot):
    ana = Person(bot, 801)
    await set_up(ana)
    replies = await ana.send("/thought")
    assert [label for label, _ in replies[-1].buttons[0]] == ["Full record", "Quick version"]
    replies = await ana.press("Full record")
    assert "Step 1 of 7" in ana.transcript(replies)
    await ana.send("Waiting for a reply from my sister")
    await ana.press("worried")
    await ana.press("Done")
    replies = await ana.press("70")
    assert "Step 3 of 7" in ana.transcript(replies)
    await ana.send("She's ignoring me, she must be angry with me")
    replies = await ana.send("85")  # typed
    assert "thinking trap" in ana.transcript(replies)
    await ana.press("Mind reading")
    replies = await ana.press("Done")
    assert "She's ignoring me, she must be angry with me" in ana.transcript(replies)  # quoted back
    await ana.send("She usually replies within an hour")
    replies = await ana.send("She said she was at work all day")
    assert "Step 6 of 7" in ana.transcript(replies)
    await ana.send("She's probably busy; I can ask her tonight")
    await ana.press("30")
    replies = await ana.press("20")
    text = ana.transcript(replies)
    assert "Your thought record" in text and "Belief in the thought: 85 → 30" in text
    assert "Worried: 70 → 20" in text and "Saved" in text
    journal = ana.transcript(await ana.send("/journal"))
    assert "Thought record" in journal and "Thought: She's ignoring me, she must be angry with me" in journal
    assert "Balanced: She's probably busy; I can ask her tonight" in journal
    assert "Belief 85% → 30%" in journal


async def long_answers_at_every_step(ana: Person, every_trap: list[str]) -> list:
    """A full record with a 1000-character answer at every step; where a step takes a tap,
    the long answer is re-asked kindly and then the tap follows. Returns every message."""
    said = []
    said += await ana.send("/thought")
    said += await ana.send(LONG)  # the mode takes a tap
    said += await ana.press("Full record")
    said += await ana.send(LONG)  # situation
    said += await ana.send(LONG)  # emotions: too long to be emotion words
    said += await ana.press("anxious")
    said += await ana.press("Done")
    said += await ana.send(LONG)  # intensity: not a number
    said += await ana.press("50")
    said += await ana.send(LONG)  # the thought
    said += await ana.send(LONG)  # belief: not a number
    said += await ana.press("60")
    said += await ana.send(LONG)  # traps take taps
    said += await ana.press("More traps")
    for name in every_trap:
        said += await ana.press(name)
    said += await ana.press("Done")
    said += await ana.send(LONG)  # evidence for
    said += await ana.send(LONG)  # evidence against
    said += await ana.send(LONG)  # the balanced thought
    said += await ana.send(LONG)  # re-rated belief: not a number
    said += await ana.press("40")
    said += await ana.send(LONG)  # re-rated feeling: not a number
    said += await ana.press("30")
    return said


async def test_a_1000_character_answer_at_every_step_never_upsets_telegram(bot, content: Content):
    ana = Person(bot, 802)
    await set_up(ana)
    every_trap = [trap.name for trap in content.of(ThoughtContent).trap]
    said = await long_answers_at_every_step(ana, every_trap)
    text = ana.transcript(said)
    assert "Tap Full record or Quick version" in text
    assert "Tap a number, or type one from 0 to 100." in text
    assert "Your thought record" in text and "Belief in the thought: 60 → 40" in text
    assert all(utf16_len(m.text or "") <= 400 for m in said)  # every message, one phone screen
    summary = next(m.text for m in said if "Your thought record" in (m.text or ""))
    assert "…" in summary and "Tom & Sam" in summary  # cut, shown as typed
    for _ in range(4):  # the journal of the longest records, page by page
        await long_answers_at_every_step(ana, every_trap)
    pages = await journal_pages(ana)
    assert "".join(pages).count("Thought record") == 5 and all(utf16_len(page) <= 400 for page in pages)
    # (the `fake` fixture then checks that Telegram refused nothing)


async def test_a_flagged_thought_in_telegram_is_never_quoted_nor_challenged(bot):
    ana = Person(bot, 803)
    await set_up(ana)
    await started_thought_record(ana, "Quick version", "Lying awake after the argument")
    replies = await ana.send("i want to die")
    assert "Are you safe right now?" in ana.transcript(replies)
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    text = ana.transcript(replies)
    assert "leave the thought record here" in text and "thinking trap" not in text.lower()
    assert not any(row for m in replies for row in m.buttons)  # no second menu
    text = ana.transcript()  # everything the bot said
    assert "want to die" not in text
    journal = ana.transcript(await ana.send("/journal"))
    assert "Thought: (hidden)" in journal and "want to die" not in journal
