"""The one YAML loader: every scenario, parameter and library YAML is read here.

It refuses, before any work that grows with the input:

* a path that is not a regular file (a directory, a FIFO that would block, ``/dev/zero``);
* more bytes than the ``yaml_bytes`` limit (checked on the size the file declares, and again
  while reading, never reading more than the limit plus one byte);
* anchors and aliases (``&a`` / ``*a``): scenario files never need them, and refusing them at
  parse time, before any expansion, is what stops a 400-byte "billion laughs" file;
* nesting deeper than ``yaml_depth`` and more nodes than ``yaml_nodes`` (no RecursionError),
  keys longer than ``yaml_key_chars``;
* duplicate keys and dates that do not exist (``2025-13-45``), naming the key path and line.

Messages name the file (``source``), the key path and the line, and quote at most
:data:`~fundmodel.inputs.limits.QUOTE_CHARS` characters of any value.

>>> loads("a: 1\\nb: [x, y]\\n", "s.yaml")
{'a': 1, 'b': ['x', 'y']}
>>> try:
...     loads("a: &x [1]\\nb: *x\\n", "s.yaml")
... except YamlError as exc:
...     print(exc)
s.yaml: line 1: anchors and aliases (&x) are not allowed in fundmodel YAML files
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from fundmodel.errors import ParameterError
from fundmodel.inputs.limits import LimitError, check, limit, quoted
from fundmodel.messages import Message, message_or_text, os_reason


class YamlError(ParameterError):
    """A YAML file or text was refused; the message names the source, the line and the key."""


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


#: libyaml's C parser when installed (50-100 times faster than the pure-Python one).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BoundedLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader (C parser when available) that names its source in errors."""

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source


def _scan(text: str, source: str) -> None:
    """Walk the event stream once, before any node is built: refuse anchors and aliases, and
    nesting or node counts over the limits (no recursion, so no RecursionError)."""
    max_depth, max_nodes = limit("yaml_depth"), limit("yaml_nodes")
    depth = nodes = 0
    loader = _SafeLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                anchor = quoted(event.anchor, 20).strip(chr(39))
                raise YamlError(
                    Message("yaml_anchor", {"file": source, "line": event.start_mark.line + 1, "anchor": anchor})
                )
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > max_depth:
                    check(
                        "yaml_depth",
                        depth,
                        Message("limit_where_line", {"file": source, "line": event.start_mark.line + 1}),
                    )
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > max_nodes:
                    check(
                        "yaml_nodes",
                        nodes,
                        Message("limit_where_line", {"file": source, "line": event.start_mark.line + 1}),
                    )
    finally:
        loader.dispose()


def _key_text(key: Any) -> str:
    return str(key) if isinstance(key, str | int | float | bool | dt.date) else quoted(key, 30)


def _check_tree(loader: _BoundedLoader, node: yaml.Node, path: str) -> None:
    """Refuse duplicate keys, non-scalar keys and dates that do not exist, naming the key path."""
    where = path or "(top)"
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(Message("yaml_key_not_plain", {"file": loader.source, "line": line, "where": where}))
            check(
                "yaml_key_chars",
                len(key_node.value),
                Message("limit_where_line", {"file": loader.source, "line": line}),
            )
            key = _construct_scalar(loader, key_node, where)
            try:
                hash(key)
            except TypeError:  # pragma: no cover - scalars are hashable
                raise YamlError(
                    Message("yaml_key_not_plain", {"file": loader.source, "line": line, "where": where})
                ) from None
            here = f"{path}.{_key_text(key)}" if path else _key_text(key)
            if key in seen:
                first = seen[key].start_mark.line + 1
                key_path = quoted(here, 120).strip(chr(39))
                params = {"file": loader.source, "line": line, "key": key_path, "first": first}
                raise YamlError(Message("yaml_duplicate_key", params))
            seen[key] = key_node
            _check_tree(loader, value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_tree(loader, item, f"{path}[{i}]")
    elif node.tag == _TIMESTAMP_TAG:
        _construct_scalar(loader, node, where)


def _construct_scalar(loader: _BoundedLoader, node: yaml.ScalarNode, where: str) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:  # e.g. 2025-13-45: "month must be in 1..12"
        kind = {_TIMESTAMP_TAG: "date"}.get(node.tag, node.tag.rsplit(":", 1)[-1])
        params = {"file": loader.source, "line": node.start_mark.line + 1, "where": quoted(where, 120).strip(chr(39))}
        params |= {"value": quoted(node.value, 40), "kind": message_or_text(f"yaml_kind_{kind}", kind), "detail": exc}
        raise YamlError(Message("yaml_invalid_scalar", params)) from None


def loads(text: str | bytes, source: str) -> Any:
    """Parse YAML ``text`` (one document) strictly; ``source`` names it in every error."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    check("yaml_bytes", size, source)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            params = {"file": source, "byte": exc.start, "reason": exc.reason}
            raise YamlError(Message("yaml_not_utf8", params)) from None
    text = text.removeprefix("\ufeff")
    loader = _BoundedLoader(text, source)
    try:
        _scan(text, source)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_tree(loader, node, "")
        return loader.construct_document(node)
    except (YamlError, LimitError):
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problem = " ".join(str(problem).split())[:120]  # libyaml's own words, bounded
        if mark:
            raise YamlError(
                Message("yaml_invalid_line", {"file": source, "line": mark.line + 1, "problem": problem})
            ) from None
        raise YamlError(Message("yaml_invalid", {"file": source, "problem": problem})) from None
    except RecursionError:  # pragma: no cover - depth is bounded well below the recursion limit
        raise YamlError(Message("yaml_too_deep", {"file": source})) from None
    finally:
        loader.dispose()


def read_bytes(path: Path | str, limit_name: str = "yaml_bytes") -> bytes:
    """The bytes of a regular file, refused before reading when it is not a regular file or
    when it is larger than the limit ``limit_name`` (at most limit + 1 bytes are ever read)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise YamlError(Message("yaml_cannot_read", {"file": str(path), "reason": os_reason(exc)})) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "yaml_a_directory" if stat.S_ISDIR(info.st_mode) else "yaml_not_regular"
        raise YamlError(Message(kind, {"file": str(path)}))
    check(limit_name, info.st_size, str(path))
    allowed = limit(limit_name)
    try:
        # O_NONBLOCK: should the path have been swapped for a FIFO since the check, opening
        # does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise YamlError(Message("yaml_not_regular", {"file": str(path)}))
            data = handle.read(allowed + 1)
    except OSError as exc:
        raise YamlError(Message("yaml_cannot_read", {"file": str(path), "reason": os_reason(exc)})) from None
    check(limit_name, len(data), str(path))
    return data


def read_yaml(path: Path | str) -> Any:
    """Read a YAML file strictly (see the module's description); errors name the file.

    >>> from fundmodel.inputs.bundled import SCENARIO_DIR
    >>> read_yaml(SCENARIO_DIR / "baseline.yaml")["scenario"]["name"]
    'Baseline: ex-ante expectation'
    """
    path = Path(path)
    return loads(read_bytes(path), path.name)
