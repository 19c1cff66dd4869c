"""The model side of the consolidation worker: the two instructions (a room's summary, a digest of
entries), the text they are given, and one chat completion through the official ``openai`` package
against any OpenAI-compatible endpoint.

The rules follow restai's memory bank: a summary is 1-3 bullets under 80 words (the topic, the concrete
facts, names, ids and decisions, what is still open), a digest 2-4 bullets under 120 words. A failure
or an empty answer is ``None``: the caller leaves the sources as they are and tries again on a later pass.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..convert import enum_name
from ..v1 import memory_bank_pb2 as bank
from ..v1 import message_pb2 as msg

log = logging.getLogger("roomhistory.consolidate")

#: The environment variable naming the model; required (there is no sensible default model).
MODEL_ENV = "ROOMHISTORY_CONSOLIDATE_MODEL"

SUMMARY_INSTRUCTIONS = (
    "You keep a team's memory of past conversations. Write 1 to 3 short bullet points (lines starting "
    "with '- ') about the conversation you are given: what the user was working on; the concrete facts, "
    "names, ids, numbers and decisions that came up; and any question or follow-up left open. Leave out "
    "greetings, small talk and the assistant's reasoning, do not quote anyone at length, and write no "
    "introduction or heading: bullets only, under 80 words in all."
)

DIGEST_INSTRUCTIONS = (
    "You keep a team's memory of past conversations. Merge the summaries you are given into one short "
    "digest of 2 to 4 bullet points (lines starting with '- '). Keep the facts, names, ids, decisions and "
    "open questions that matter most across all of them; drop repetition. Write no introduction or "
    "heading: bullets only, under 120 words in all."
)

_ROLE_LABEL = {msg.ROLE_USER: "User", msg.ROLE_ASSISTANT: "Assistant"}


def message_text(m: msg.Message) -> str:
    """The text of a message: its content, or its text parts joined (images, audio and files left out)."""
    if m.content:
        return m.content.strip()
    return "\n".join(p.text for p in m.parts if p.text).strip()


def is_turn(m: msg.Message) -> bool:
    """A user or assistant turn with text (thinking, tool calls without text and tool results are not)."""
    return m.role in _ROLE_LABEL and m.kind != msg.MESSAGE_KIND_THINKING and bool(message_text(m))


def transcript(turns: Iterable[msg.Message]) -> str:
    """The turns as "User (sender): text" lines, oldest first; an earlier compaction summary is marked."""
    lines = []
    for m in turns:
        label = _ROLE_LABEL[m.role]
        if m.kind == msg.MESSAGE_KIND_SUMMARY:
            label = "Summary of earlier turns"
        elif m.sender:
            label = f"{label} ({m.sender})"
        lines.append(f"{label}: {message_text(m)}")
    return "\n".join(lines)


def digest_input(sources: Iterable[bank.MemoryBankEntry]) -> str:
    """The entries of a roll-up group as "[day 2026-11-20] text" lines, in the group's order."""
    lines = []
    for e in sources:
        kind = enum_name(bank.MemoryGranularity, e.granularity)
        lines.append(f"[{kind} {e.period_key}] {e.summary.strip()}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is: ``base_url`` None means the openai package's default (api.openai.com)."""

    model: str
    base_url: str | None
    api_key: str | None


def config_from_env(environ: Mapping[str, str] | None = None) -> tuple[ModelConfig | None, str]:
    """The model configuration from OPENAI_BASE_URL, OPENAI_API_KEY and ROOMHISTORY_CONSOLIDATE_MODEL, or
    None and the one line saying what to set. A base URL without a key is fine (local servers ignore it);
    a key without a base URL means OpenAI's own endpoint."""
    env = os.environ if environ is None else environ
    model = env.get(MODEL_ENV, "").strip()
    base_url = env.get("OPENAI_BASE_URL", "").strip() or None
    api_key = env.get("OPENAI_API_KEY", "").strip() or None
    missing = []
    if not model:
        missing.append(f"{MODEL_ENV} (the model name)")
    if base_url is None and api_key is None:
        missing.append("OPENAI_BASE_URL (an OpenAI-compatible endpoint) and/or OPENAI_API_KEY")
    if missing:
        return None, "roomhistory-consolidate: no model configured, doing nothing; set " + " and ".join(missing)
    return ModelConfig(model, base_url, api_key), ""


def openai_client(config: ModelConfig, *, timeout: float = 120.0) -> Any:
    """An ``openai.OpenAI`` client for the configuration; the package is the ``consolidate`` extra."""
    try:
        import openai
    except ImportError as err:
        raise SystemExit(
            "roomhistory-consolidate needs the openai package: pip install 'roomhistory-client[consolidate]'"
        ) from err
    # A local endpoint needs no key, but the openai package refuses to start without one.
    return openai.OpenAI(base_url=config.base_url, api_key=config.api_key or "unused", timeout=timeout)


class Model:
    """One chat completion per summary or digest; ``llm`` is an ``openai.OpenAI`` (or anything with its
    ``chat.completions.create``)."""

    def __init__(self, llm: Any, model: str) -> None:
        self.llm = llm
        self.model = model

    def summarize(self, turns: list[msg.Message]) -> str | None:
        return self._complete(SUMMARY_INSTRUCTIONS, transcript(turns))

    def digest(self, sources: list[bank.MemoryBankEntry]) -> str | None:
        return self._complete(DIGEST_INSTRUCTIONS, digest_input(sources))

    def _complete(self, instructions: str, text: str) -> str | None:
        try:
            response = self.llm.chat.completions.create(
                model=self.model,
                # No max_tokens / temperature: reasoning models refuse them; the instructions bound the length.
                messages=[{"role": "system", "content": instructions}, {"role": "user", "content": text}],
            )
            answer = (response.choices[0].message.content or "").strip() if response.choices else ""
        except Exception as err:  # any failure of the endpoint (HTTP, connection, a malformed answer): skip
            log.warning("model call failed, will try again on a later pass: %s", err)
            return None
        if not answer:
            log.warning("model gave an empty answer, will try again on a later pass")
        return answer or None
