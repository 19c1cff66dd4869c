"""Checks rendered messages against the provider SDKs' own request types, as the render tests do.

Usage: python sdk_types.py < jobs.json, where jobs.json is [{"name", "format": "openai" | "anthropic",
"messages": [...], "system": "..."}]. Prints {name: "ok" | "<what failed>"} as JSON.

OpenAI: a list of openai.types.chat.ChatCompletionMessageParam. Anthropic: a list of
anthropic.types.MessageParam, and the system prompt a str. The types are TypedDicts whose list fields
are Iterables, which pydantic validates lazily: every iterable is walked here so each item is checked.
Unknown keys are refused (extra="forbid"), and what the validation produced must equal the input, so
a value the SDK would not send as given (a union variant that swallowed fields) fails too.
"""

import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from anthropic.types import MessageParam
from openai.types.chat import ChatCompletionMessageParam

CONFIG = pydantic.ConfigDict(extra="forbid")
ADAPTERS: dict[str, pydantic.TypeAdapter[Any]] = {
    "openai": pydantic.TypeAdapter(list[ChatCompletionMessageParam], config=CONFIG),
    "anthropic": pydantic.TypeAdapter(list[MessageParam], config=CONFIG),
}


def materialise(value: Any) -> Any:
    """The validated value with every lazy iterable consumed (which is what validates its items)."""
    if isinstance(value, pydantic.BaseModel):
        # Anthropic's content unions also admit the response models (which allow unknown keys).
        if value.model_extra:
            raise ValueError(f"unknown keys {sorted(value.model_extra)} in {type(value).__name__}")
        return materialise(value.model_dump(exclude_unset=True))
    if isinstance(value, Mapping):
        return {k: materialise(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Iterable):
        return [materialise(v) for v in value]
    return value


def check(job: dict[str, Any]) -> str:
    adapter = ADAPTERS[job["format"]]
    try:
        validated = materialise(adapter.validate_python(job["messages"]))
        if job["format"] == "anthropic":
            pydantic.TypeAdapter(str).validate_python(job.get("system", ""), strict=True)
    except (pydantic.ValidationError, ValueError) as err:
        return str(err)
    if validated != job["messages"]:
        return f"validated value differs from the input: {json.dumps(validated)[:2000]}"
    return "ok"


def main() -> None:
    out = {job["name"]: check(job) for job in json.load(sys.stdin)}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
