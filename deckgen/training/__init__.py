"""How the shipped models were made (needs the [train] extra)."""
