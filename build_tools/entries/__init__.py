"""Load, model, validate and locate entries: everything about one activity file."""
