/**
 * filter_plugins/halab.py of an Ansible export: the quoting halab's renderer applies to a secret
 * (render/escape.ts), for the templates whose secrets Ansible fills in, and the masking of secret
 * values out of a failure's message (deploy/secrets.ts does the same for `halab deploy`). Python,
 * because Ansible runs it; a port of those TypeScript rules, held to them by
 * test/unit/export/filters.test.ts, which renders every template with these filters and compares
 * it with halab's own render, byte for byte, over generated secrets.
 */
export const FILTER_PLUGIN = String.raw`r"""Filters for a playbook exported by halab (halab export ansible).

The .halab file's secrets are filled in when the playbook runs, so the quoting halab applies
when it renders a file is applied here, the same way:

- halab_haproxy_word: a value as one HAProxy word (anything but a few safe characters becomes
  \xNN bytes), as in "stats auth USER:PASSWORD";
- halab_keepalived_auth_pass: a VRRP password cut to the 8 bytes keepalived reads, as a
  keepalived string (quotes and control characters as 3-digit octal escapes);
- halab_mask: text with every form of the given secrets replaced by ********;
- halab_failure: a failed task's result as text (message, validator output), secrets masked.
"""

import json
import re

_HAPROXY_SAFE = re.compile(r"[A-Za-z0-9._:/@+=,%<>!?*~^&()\[\]-]")
_KEEPALIVED_BARE = re.compile(r"[A-Za-z0-9._:/@+=,%-]+")
_KEEPALIVED_OCTAL = re.compile(r"[\"'\x00-\x1f\x7f]")
_QUOTED = re.compile(r'"(.*)"', re.S)
AUTH_PASS_BYTES = 8
MASK = "********"


def haproxy_word(value):
    value = str(value)
    if value == "":
        return '""'
    out = []
    for ch in value:
        if _HAPROXY_SAFE.fullmatch(ch):
            out.append(ch)
        else:
            out.extend("\\x%02x" % b for b in ch.encode("utf-8"))
    return "".join(out)


def keepalived_string(value):
    value = str(value)
    if _KEEPALIVED_BARE.fullmatch(value):
        return value
    if value in ("{", "}"):
        # a bare or quoted brace closes keepalived's block
        return '"\\%o"' % ord(value)
    body = value.replace("\\", "\\\\")
    body = _KEEPALIVED_OCTAL.sub(lambda m: "\\%03o" % ord(m.group(0)), body)
    return '"' + body + '"'


def _unquoted(text):
    m = _QUOTED.fullmatch(text)
    return m.group(1) if m else text


def _auth_pass_length(value):
    return len(_unquoted(keepalived_string(value)).encode("utf-8"))


def _truncate_auth_pass(value):
    out = ""
    for ch in str(value):
        if _auth_pass_length(out + ch) > AUTH_PASS_BYTES:
            break
        out += ch
    return out


def keepalived_auth_pass(value):
    return keepalived_string(_truncate_auth_pass(value))


def _forms(value):
    forms = set()
    for v in {value, _truncate_auth_pass(value), value[:AUTH_PASS_BYTES]}:
        if v:
            for f in (v, haproxy_word(v), keepalived_string(v)):
                forms.update((f, _unquoted(f)))
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.discard("")
    forms.discard('""')
    return forms


def mask(text, secrets=None):
    text = str(text)
    forms = set()
    for s in secrets or []:
        if s:
            forms.update(_forms(str(s)))
    for f in sorted(forms, key=len, reverse=True):
        text = text.replace(f, MASK)
    return text


def failure(result, secrets=None):
    parts = []

    def say(r):
        item = r.get("item")
        what = item.get("dest") if isinstance(item, dict) else item if isinstance(item, str) else None
        for key in ("msg", "stderr", "stdout", "module_stderr"):
            v = r.get(key)
            if isinstance(v, str) and v.strip():
                parts.append((what + ": " if what and key == "msg" else "") + v.strip())

    items = [r for r in result.get("results", []) if isinstance(r, dict) and r.get("failed")]
    for r in items or [result]:
        say(r)
    return mask("\n".join(parts), secrets)


class FilterModule(object):
    def filters(self):
        return {
            "halab_haproxy_word": haproxy_word,
            "halab_keepalived_auth_pass": keepalived_auth_pass,
            "halab_mask": mask,
            "halab_failure": failure,
        }
`;
