"""All errors the library raises. Only the CLI (exit 1) and the UI (a chat message) catch them."""


def shown(name: str) -> str:
    """A file name safe to print on a terminal: control characters (ESC, BEL, newlines) as \\xNN."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in name)


class YanbaoError(Exception):
    """Base class: the message says what went wrong, where, and how to fix it."""


class SettingsError(YanbaoError):
    """A setting (YANBAO_* variable or CLI option) has a bad value."""


class LoadError(YanbaoError):
    """A report file could not be read; the message names the file and the reason."""

    def __init__(self, file: str, reason: str):
        self.file = file
        self.reason = reason
        super().__init__(f"{shown(file)}: {reason}")


class UnsupportedFileError(LoadError):
    """The file type is not one we ingest (.txt .md .pdf .docx)."""


class ModelError(YanbaoError):
    """The embedding model could not be materialized, verified or loaded."""


class IndexMismatchError(YanbaoError):
    """An index was built with other settings (model, chunking, tokenizer) than asked for, or is damaged."""


REBUILD_HINT = "Run 'yanbao ingest REPORTS... --index {dir} --rebuild' to rebuild it with the current settings."


class IndexNotFoundError(YanbaoError):
    """No index (no manifest) where one was expected."""


class LLMError(YanbaoError):
    """The configured OpenAI-compatible endpoint failed (down, timed out, bad reply)."""


class GoldFileError(YanbaoError):
    """An evaluation question file (JSONL) is malformed; the message names file, line and field."""


class AnswersFileError(YanbaoError):
    """An answers file (JSONL) or a judgments file given to eval is malformed; the message names
    file, line and field."""


class CorrectionError(YanbaoError):
    """A correction of a report's metadata names a report not in the index or has a bad value."""
