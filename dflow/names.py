"""Name rules of SPEC section 3, checked when objects are built."""

from __future__ import annotations

import re
import secrets
import string

from .errors import InvalidWorkflowError

MAX_TEMPLATE_NAME = 57

_RFC1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][-a-z0-9]*$")
_STEP_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_IO_NAME = re.compile(r"^[a-zA-Z0-9_][-a-zA-Z0-9_]*$")


def check_workflow_name(name: str) -> str:
    """A workflow name: lower-case RFC 1123 subdomain of at most 57 characters, as given."""
    if not isinstance(name, str) or not _RFC1123_SUBDOMAIN.match(name):
        raise InvalidWorkflowError(
            f"workflow name {name!r} is not a lower-case RFC 1123 name "
            "(letters a-z, digits, '-' and '.', starting and ending with a letter or digit)"
        )
    return _check_length(name, "workflow")


def check_template_name(name: str, what: str = "template") -> str:
    """A template name, lower-cased as the original does: letters, digits and '-' (Argo's rule)."""
    if not isinstance(name, str) or not _TEMPLATE_NAME.match(name.lower()):
        raise InvalidWorkflowError(
            f"{what} name {name!r} is invalid: use letters, digits and '-', "
            "starting with a letter or digit (it is lower-cased)"
        )
    return _check_length(name.lower(), what)


def _check_length(name: str, what: str) -> str:
    if len(name) > MAX_TEMPLATE_NAME:
        raise InvalidWorkflowError(
            f"{what} name {name!r} has {len(name)} characters; "
            f"at most {MAX_TEMPLATE_NAME} are allowed"
        )
    return name


def generated_name(kind: str) -> str:
    """A fresh template name for a template built without one: ``kind-`` and 5 random characters."""
    tail = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    return f"{kind}-{tail}"


def check_step_name(name: str, what: str = "step") -> str:
    """A step or task name: letters, digits and '-', starting with a letter or digit."""
    if not isinstance(name, str) or not _STEP_NAME.match(name):
        raise InvalidWorkflowError(
            f"{what} name {name!r} is invalid: use letters, digits and '-', "
            "starting with a letter or digit"
        )
    return name


def check_io_name(name: str, what: str) -> str:
    """A parameter or artifact name: letters, digits, '_' and '-'."""
    if not isinstance(name, str) or not _IO_NAME.match(name):
        raise InvalidWorkflowError(
            f"{what} name {name!r} is invalid: use letters, digits, '_' and '-'"
        )
    return name


def is_static_key_valid(key: str) -> bool:
    """True when a key with no run-time references is a lower-case RFC 1123 subdomain."""
    return bool(_RFC1123_SUBDOMAIN.match(key)) and len(key) <= 253


def template_name_from(text: str) -> str:
    """Derive a valid template name from any text (a class name, say): 'MyOP' -> 'myop'."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return (name or "template")[:MAX_TEMPLATE_NAME].rstrip("-")


def suffixed_name(name: str, suffix: str) -> str:
    """``name-suffix`` as a valid template name: the suffix lower-cased, the name cut to fit."""
    suffix = re.sub(r"[^a-z0-9-]+", "-", suffix.lower()).strip("-") or "step"
    room = MAX_TEMPLATE_NAME - len(suffix) - 1
    return f"{name[:room].rstrip('-')}-{suffix}"
