-- Provider rate limits shared by every instance (issue 14): Telegram's 30 messages/s is per bot, not per instance.
-- One row per channel: the moment up to which send slots have been handed out (a generic cell rate algorithm).
CREATE TABLE send_rates (
    name    text PRIMARY KEY,
    next_at timestamptz NOT NULL
);
