"""Importers: what other systems saved, as roomhistory.export.v1 records (for import_rooms or
write_export_file). :mod:`roomhistory.importers.echo`: the Echo bot's conversation files."""

from .echo import echo_conversation_to_records

__all__ = ["echo_conversation_to_records"]
