"""`python -m bot console`: the same flows in a terminal, driven through a pipe."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CONSOLE_SET_UP, Chat, run_console, set_up


def test_console_runs_onboarding_with_numbered_buttons_and_exits_cleanly(tmp_path: Path):
    result = run_console(tmp_path, ["2", "Ireland", "21:30", "/crisis"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Need help now?" in out and "[2] Yes, keep them" in out
    assert "Ireland has one time zone" in out and "You're all set" in out and "21:30" in out
    assert "116 123" in out  # /crisis for Ireland
    assert "<b>" not in out and "&amp;" not in out  # HTML shown as plain text
    assert "Created a new encryption key" in result.stderr
    assert (tmp_path / "chat.key").exists()


def test_console_resumes_and_welcomes_back(tmp_path: Path):
    run_console(tmp_path, CONSOLE_SET_UP)
    result = run_console(tmp_path, [])
    assert result.returncode == 0
    assert "Welcome back" in result.stdout and "Created a new" not in result.stderr


def test_console_with_a_wrong_key_stops_with_a_clear_message(tmp_path: Path):
    run_console(tmp_path, [])
    wrong = "A" * 43 + "="
    result = run_console(tmp_path, [], DATA_ENCRYPTION_KEY=wrong)
    assert result.returncode == 2
    assert "different key" in result.stderr and "Traceback" not in result.stderr


def test_console_resumes_a_flow_where_it_was_left(tmp_path: Path):
    run_console(tmp_path, ["2", "Portugal"])  # stops at the time zone question
    result = run_console(tmp_path, ["Lisbon", "No reminder"])
    assert result.returncode == 0
    out = result.stdout
    assert "Step 1 of 4" not in out and out.index("Which time zone") < out.index("You're all set")
    assert "Lisbon" in out


async def test_the_console_prints_what_falls_due(storage, content, engine_factory):
    """The console runs the same tick: a daily prompt due while it was closed (within the
    hour's grace) is printed when it starts, numbered buttons and all."""
    import io
    from datetime import datetime, timezone

    from bot.console import CONSOLE_USER, run_console

    before = datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)
    person = Chat(engine_factory(lambda: before), CONSOLE_USER)
    await set_up(person, "Ireland", timezone="Europe/Dublin", reminder="20:00")
    out = io.StringIO()
    later = datetime(2026, 11, 24, 20, 10, tzinfo=timezone.utc)
    assert await run_console(storage, content, io.StringIO("8\n"), out, clock=lambda: later) == 0
    printed = out.getvalue()
    assert "Time for your daily check-in" in printed and "[9] 8" in printed
    assert "Saved: mood 8 out of 10" in printed  # typing "8" taps the button labelled 8


def test_console_prints_an_edited_message_again_marked(tmp_path: Path):
    result = run_console(
        tmp_path, [*CONSOLE_SET_UP, "/thought", "Full record", "At home", "worried", "sad", "✓ worried", "Done"]
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "(edited) Step 2 of 7\nChosen: worried." in out and "(edited) Step 2 of 7\nChosen: worried, sad." in out
    assert "(edited) Step 2 of 7\nChosen: sad." in out and "   [7] ✓ sad" in out
    assert out.count("(edited)") == 3 and "(edited) Step 2 of 7\nHow strong" not in out  # moving on is new


async def test_console_taps_name_the_message_they_are_on(engine):
    """Each printed message has a number, as in a chat; an edit keeps it, so the next tap
    on the edited message edits it again."""
    import io

    from bot.console import Console
    from flows.dialogue.core import Button, Reply

    console = Console(engine, io.StringIO())
    question = Reply("Pick", ((Button("A", data="1:a"),),))
    await console.show([Reply("Hello"), question])
    tap = console.read("A")
    assert tap is not None and tap.message_id == 2
    await console.show([Reply("Pick again", ((Button("B", data="2:b"),),), edit="buttons")], tap.message_id)
    assert console.read("1").message_id == 2 and "(edited) Pick again" in console.output.getvalue()
    await console.show([question])
    assert console.read("1").message_id == 3


def test_console_shows_the_crisis_card_then_more_lines_and_the_terminals_countries_first(tmp_path: Path):
    result = run_console(tmp_path, ["Need help now?", "/crisis GB", "More help lines", "/help", "More practices"],
                         LANG="de_DE.UTF-8")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # No country yet: the worldwide directories, then countries, German-speaking ones first.
    assert "Find A Helpline" in out and "[1] Germany" in out and out.index("] Austria") < out.index("] United States")
    assert "116 123" in out and "] More help lines" in out and "Childline" in out  # one screen, then a tap
    assert "/mood" in out and "] More practices" in out and "/experiment" in out  # /help, then the rest
