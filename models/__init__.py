"""Persistence: tables, repositories, migrations and conversation-state stores."""
