"""The floor for the benchmark: a bare python-telegram-bot echo bot, configured like ours
(the same AIORateLimiter settings, concurrency and allowed updates), and nothing else."""

import os

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.telegram_adapter import ALLOWED_UPDATES


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text or "?")


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(64)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    main()
