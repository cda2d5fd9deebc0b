"""Content is data an operator edits: every file is checked, and every crisis number has a source."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import shortnumberinfo
from pydantic import Field

from flows.practices import crisis
from flows.lib import content as content_module
from flows.lib import markup
from flows.lib.content import Content, ContentError, DataFile

REQUIRED_COUNTRIES = (
    "US CA GB IE AU NZ DE FR ES IT NL BE CH AT SE NO DK FI PL PT IN JP KR SG PH BR MX AR ZA IL".split()
)
TODAY = date(2026, 11, 24)


def test_every_required_country_has_crisis_lines(content: Content):
    missing = [code for code in REQUIRED_COUNTRIES if code not in content.crisis_lines]
    assert not missing


@pytest.mark.parametrize("code", REQUIRED_COUNTRIES)
def test_every_emergency_number_is_an_emergency_number(content: Content, code: str):
    for emergency in content.crisis_lines[code].emergency:
        assert shortnumberinfo.is_emergency_number(emergency.number, code), emergency.number


@pytest.mark.parametrize("code", REQUIRED_COUNTRIES)
def test_every_entry_was_checked_on_a_real_day_not_in_the_future(content: Content, code: str):
    for entry in content.crisis_lines[code].services():
        assert date(2020, 1, 1) <= entry.checked <= TODAY


@pytest.mark.parametrize("code", REQUIRED_COUNTRIES)
def test_long_numbers_are_possible_numbers_in_their_country(content: Content, code: str):
    lines = content.crisis_lines[code]
    for service in [*lines.crisis, *lines.youth, *lines.domestic_abuse]:
        for number in filter(None, (service.phone, service.sms)):
            digits = "".join(ch for ch in number if ch.isdigit())
            if len(digits) >= 8 and not number.startswith("+"):
                parsed = phonenumbers.parse(number, code)
                assert phonenumbers.is_possible_number(parsed), f"{service.name}: {number}"


def test_every_crisis_card_is_accepted_by_telegram_rules(content: Content):
    crisis.check_all(content)  # raises ContentError naming the country


def test_crisis_card_puts_the_crisis_line_before_the_emergency_number(content: Content):
    text = content.render("crisis/card", lines=content.crisis_lines["GB"], country="GB")
    assert text.index("116 123") < text.index("999")
    assert len(markup.visible_text(text)) < 1000


def test_international_fallback_lists_a_directory(content: Content):
    assert content.international.directory
    assert all(d.website.startswith("https://") for d in content.international.directory)


def test_every_template_compiles_and_autoescapes_user_text(content: Content):
    text = content.render("settings/country_unknown", typed="<b>&", settings=None)
    assert "&lt;b&gt;&amp;" in text


def _content_with(tmp_path: Path, file: str, new: str, old: str | None = None) -> Path:
    """A copy of the content in which `file` is `new`, or has its first `old` made `new`."""
    import shutil

    root = tmp_path / "content"
    shutil.copytree(Content().root, root)
    path = root / file
    path.write_text(path.read_text().replace(old, new, 1) if old else new)
    return root


def test_a_broken_crisis_file_names_the_file_and_field(tmp_path: Path):
    root = _content_with(tmp_path, "crisis/GB.toml", old='number = "999"', new='number = "nine"')
    with pytest.raises(ContentError, match=r"GB.toml: emergency.0.number"):
        Content(root)


def test_a_service_needs_a_way_to_reach_it(tmp_path: Path):
    root = _content_with(
        tmp_path, "crisis/XX.toml",
        'country = "XX"\n[[emergency]]\nnumber = "112"\nsource = "https://a.example"\nchecked = 2026-01-01\n'
        '[[crisis]]\nname = "Line"\nhours = "24/7"\nsource = "https://a.example"\nchecked = 2026-01-01\n',
    )
    with pytest.raises(ContentError, match=r"XX.toml: crisis.0: .*phone, sms or chat"):
        Content(root)


def test_an_exercise_step_cannot_last_less_than_nothing(tmp_path: Path):
    """A timed phase lasts at least a second, so a guided exercise edits its message at most
    once a second; 0 is a step that waits for them."""
    root = _content_with(tmp_path, "practices/exercises.toml", old="seconds = 4", new="seconds = -4")
    with pytest.raises(ContentError, match=r"exercises.toml: exercise.0.step.0.seconds"):
        Content(root)


def test_a_safety_plan_needs_a_section(tmp_path: Path):
    root = _content_with(tmp_path, "safety_plan.toml", new="# every section removed\n")
    with pytest.raises(ContentError, match=r"safety_plan.toml: section: .*at least one \[\[section\]\]"):
        Content(root)


@pytest.fixture
def scoped_data_files():
    """DataFiles a test defines are forgotten after it, so later Content() calls do not look for them."""
    before = list(content_module._DATA_FILES)
    yield
    content_module._DATA_FILES[:] = before


def test_a_new_data_file_is_loaded_and_checked_with_no_edit_to_content(
    tmp_path: Path, content: Content, scoped_data_files
):
    root = _content_with(tmp_path, "practices/gratitude.toml", new='prompts = ["Something small that went well today"]\n')
    path = root / "practices" / "gratitude.toml"

    class Gratitude(DataFile):  # as a practice's own module would define it
        path = "practices/gratitude.toml"

        prompts: list[str] = Field(min_length=1)

    assert Content(root).of(Gratitude).prompts == ["Something small that went well today"]
    with pytest.raises(ContentError, match=r"Gratitude was not loaded"):  # defined after it was built
        content.of(Gratitude)

    path.write_text("prompts = []\n")
    with pytest.raises(ContentError, match=r"gratitude.toml: prompts: List should have at least 1 item"):
        Content(root)
    path.write_text("prompts = [\n")
    with pytest.raises(ContentError, match=r"gratitude.toml: not valid TOML"):
        Content(root)
    path.unlink()
    with pytest.raises(ContentError, match=r"gratitude.toml: file is missing"):
        Content(root)


def test_a_broken_template_is_reported_at_start(tmp_path: Path):
    root = _content_with(tmp_path, "templates/general/help.html", "{% for x in %}")
    with pytest.raises(ContentError, match=r"general/help.html"):
        Content(root)


def test_markup_checks_what_telegram_checks():
    markup.check("<b>fine</b> &amp; <a href=\"https://x.example\">ok</a>")
    for bad in ("<b>open", "<div>x</div>", '<a href="tel:112">call</a>', "   ", "x" * 4097):
        with pytest.raises(markup.MarkupError):
            markup.check(bad)
    assert markup.visible_length("<b>" + "é" * 4096 + "</b>") == 4096
    assert markup.to_plain('<a href="https://x.example">site</a> &lt;3') == "site (https://x.example) <3"
