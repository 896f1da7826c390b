"""Photo bytes kept in the database, so every app server sees every photo (README, Photos)."""
