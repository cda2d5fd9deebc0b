"""`python -m bot` as an operator runs it: start-up errors, SIGTERM, and webhook mode."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

from tests.e2e import TOKEN
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
# Start-up compiles the screening patterns and loads two models: seconds on a quiet machine,
# far longer on a busy two-core CI box. Waiting longer costs a passing run nothing.
STARTS_WITHIN = 60


def start_bot(fake: FakeTelegram, tmp_path: Path, key: str, **env: str) -> subprocess.Popen:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "TELEGRAM_FILE_URL": fake.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "DATA_ENCRYPTION_KEY": key,
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop(process: subprocess.Popen) -> tuple[int, str]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=15)
    assert time.monotonic() - started < 10, "SIGTERM took too long"
    return process.returncode, stderr


def test_polling_bot_answers_and_stops_cleanly_on_sigterm(fake: FakeTelegram, tmp_path: Path):
    key = Fernet.generate_key().decode()
    fake.add_private_chat(77)
    process = start_bot(fake, tmp_path, key)
    try:
        fake.wait_for(lambda: fake.pending_polls, timeout=STARTS_WITHIN, what="polling")
        update_id = fake.send_text(77, "/help")
        fake.wait_for(lambda: fake.messages(77), timeout=10, what="the /help reply")
        assert "/crisis" in fake.messages(77)[0].text
        fake.wait_for(lambda: fake.requests("getUpdates"), timeout=20, what="a finished poll")
        assert fake.requests("getUpdates")[-1]["params"]["allowed_updates"] == [
            "message", "edited_message", "callback_query", "my_chat_member"
        ]
    finally:
        code, stderr = stop(process)
    assert code == 0, stderr
    assert fake.updates_confirmed(update_id)  # acknowledged on the way out: not answered twice
    assert TOKEN not in stderr and "/help" not in stderr


def test_a_wrong_key_for_an_existing_database_stops_with_a_clear_message(fake: FakeTelegram, tmp_path: Path):
    process = start_bot(fake, tmp_path, Fernet.generate_key().decode())
    fake.wait_for(lambda: fake.pending_polls, timeout=STARTS_WITHIN, what="polling")
    stop(process)
    wrong = start_bot(fake, tmp_path, Fernet.generate_key().decode())
    _, stderr = wrong.communicate(timeout=30)
    assert wrong.returncode == 2
    assert "does not open this database" in stderr and "Traceback" not in stderr


def test_without_a_key_telegram_mode_refuses_to_start_and_says_how(fake: FakeTelegram, tmp_path: Path):
    process = start_bot(fake, tmp_path, "")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2 and "DATA_ENCRYPTION_KEY is not set" in stderr
    assert "urlsafe_b64encode" in stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, path: str, body: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_mode_checks_the_secret_token(fake: FakeTelegram, tmp_path: Path):
    port = free_port()
    fake.add_private_chat(88)
    process = start_bot(
        fake, tmp_path, Fernet.generate_key().decode(),
        WEBHOOK_URL="https://bot.example.org/telegram/hook", WEBHOOK_SECRET="right-secret", PORT=str(port),
    )
    try:
        fake.wait_for(lambda: fake.requests("setWebhook"), timeout=STARTS_WITHIN, what="setWebhook")
        registered = fake.requests("setWebhook")[-1]["params"]
        assert registered["url"] == "https://bot.example.org/telegram/hook"
        assert registered["secret_token"] == "right-secret"
        update = {
            "update_id": 9001,
            "message": {
                "message_id": 1, "date": int(time.time()), "text": "/help",
                "chat": {"id": 88, "type": "private", "first_name": "Bo"},
                "from": {"id": 88, "is_bot": False, "first_name": "Bo"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        deadline = time.monotonic() + 20
        while True:  # the server is up once it answers at all
            try:
                status = post(port, "/telegram/hook", update, secret="wrong")
                break
            except OSError:
                assert time.monotonic() < deadline, "webhook server never came up"
                time.sleep(0.1)
        assert status == 403
        assert post(port, "/telegram/hook", update, secret=None) == 403
        assert fake.messages(88) == []
        assert post(port, "/telegram/hook", update, secret="right-secret") == 200
        fake.wait_for(lambda: fake.messages(88), timeout=10, what="the /help reply")
    finally:
        code, stderr = stop(process)
    assert code == 0, stderr


class _Today:
    def __init__(self, day):
        self.day = day

    def today(self):
        return self.day


def test_check_content_lists_stale_entries(monkeypatch, capsys):
    from datetime import date

    import bot.__main__ as entry

    monkeypatch.setattr(entry, "date", _Today(date(2026, 11, 25)))
    assert entry.check_content() == 0
    assert "all checked within the last year" in capsys.readouterr().out
    monkeypatch.setattr(entry, "date", _Today(date(2028, 1, 1)))
    assert entry.check_content() == 1
    out = capsys.readouterr().out
    assert "stale: GB: Samaritans (checked 2026-11-24)" in out and "re-checking" in out
