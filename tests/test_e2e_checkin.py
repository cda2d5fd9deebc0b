"""/checkin end to end: the real Application over HTTP against the fake Bot API, as a
person would do it in Telegram, taps and typing alike."""

from __future__ import annotations

from tests.conftest import set_up
from tests.e2e import Person
from tests.fake_telegram import FakeTelegram


async def test_a_grounding_check_in_by_taps_and_typing_then_the_journal(bot, fake: FakeTelegram):
    ana = Person(bot, 601, "Ana")
    await set_up(ana)
    replies = await ana.send("/checkin")
    assert "0 = the worst" in ana.transcript(replies) and "10 = the best" in ana.transcript(replies)
    replies = await ana.press("3")
    assert "5-4-3-2-1 grounding:" in ana.transcript(replies)
    replies = await ana.press("5-4-3-2-1 grounding")
    assert "Keep your eyes open" in ana.transcript(replies)
    replies = await ana.press("Start")
    assert "step 1 of 5" in ana.transcript(replies)
    replies = await ana.send("a red <b>mug</b> & a plant")
    assert "Noted" in ana.transcript(replies) and "step 2 of 5" in ana.transcript(replies)
    assert "mug" not in ana.transcript(replies)
    await ana.press("Next")
    replies = await ana.send("the fridge")
    assert "step 4 of 5" in ana.transcript(replies)
    await ana.press("Next")
    replies = await ana.press("Next")
    assert "How is your mood now?" in ana.transcript(replies)
    replies = await ana.send("6")
    assert "Saved: 5-4-3-2-1 grounding, mood 3 → 6" in ana.transcript(replies)
    journal = await ana.send("/journal")
    text = ana.transcript(journal)
    assert "Check-in" in text and "5-4-3-2-1 grounding · mood 3 → 6" in text
    assert "Noticed: a red <b>mug</b> & a plant · the fridge" in text  # escaped, shown as typed
    assert "&lt;b&gt;" in journal[0].html
