#!/usr/bin/python3
"""Validates STIX 2.1 bundles against the official JSON Schemas and the spec
rules the schemas cannot check.

    validate_stix.py [--schemas DIR] BUNDLE.json...

Prints one line per failure, "file: object id: problem", and exits 1 if there
was any (2 when it cannot run at all). The schemas are the OASIS ones copied
into tests/data/stix2.1/schemas (draft 2020-12); their $ids are URLs, so every
schema is loaded from disk and $refs resolve through a local store, never the
network.

Checked beyond the schemas:
  * the bundle validates against common/bundle.json, and every object against
    its own schema (sdos/, sros/, observables/, common/marking-definition.json);
  * TLP 2.0 marking definitions match the OASIS TLP 2.0 extension (id, name,
    level, created), since the 2.1 schema admits them only through its generic
    extension branch;
  * modified >= created, valid_until > valid_from;
  * STIX patterns parse (the grammar of STIXPattern.g4, re-implemented here
    so that it is independent of weft's C++ parser);
  * ids are unique per version and references inside the bundle resolve.
"""

import argparse
import datetime
import json
import os
import re
import sys
import warnings

# Newer jsonschema deprecates RefResolver; Debian 12 ships 4.10, where it is
# the way to resolve $refs offline. Output must stay one line per failure.
warnings.filterwarnings("ignore", category=DeprecationWarning)

try:
    import jsonschema
    from jsonschema import Draft202012Validator, RefResolver
except ImportError:
    print("validate_stix.py: the Python module jsonschema is missing "
          "(Debian: apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.join(HERE, "..", "data", "stix2.1", "schemas")

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKINGS = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": ("TLP:CLEAR", "clear"),
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": ("TLP:GREEN", "green"),
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": ("TLP:AMBER", "amber"),
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": ("TLP:AMBER+STRICT", "amber+strict"),
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": ("TLP:RED", "red"),
}
TLP1_MARKINGS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
# References that need not be in the bundle: the predefined markings and the
# TLP 2.0 extension every consumer knows by id.
WELL_KNOWN = TLP1_MARKINGS | set(TLP2_MARKINGS) | {TLP2_EXTENSION}

SCHEMA_FOLDER_BY_KIND = ("sdos", "sros", "observables", "common")


def load_schemas(folder):
    store = {}
    by_type = {}
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                schema = json.load(handle)
            store[schema["$id"]] = schema
            kind = os.path.basename(root)
            by_type[(kind, name[:-5])] = schema
    return store, by_type


def make_validator(schema, store):
    resolver = RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
    return Draft202012Validator(schema, resolver=resolver, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_for(object_type, by_type):
    if object_type in ("marking-definition", "extension-definition", "language-content"):
        return by_type.get(("common", object_type))
    for kind in SCHEMA_FOLDER_BY_KIND[:3]:
        schema = by_type.get((kind, object_type))
        if schema is not None:
            return schema
    return None


def bundle_listed_types(by_type):
    listed = set()
    items = by_type[("common", "bundle")]["properties"]["objects"]["items"]["anyOf"][0]["oneOf"]
    for entry in items:
        listed.add(os.path.basename(entry["$ref"])[:-5])
    return listed


def parse_time(text):
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", text or "")
    if not match:
        return None
    seconds = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    fraction = (match.group(2) or "0")
    return (seconds, int(fraction.ljust(9, "0")[:9]))


# ---------------------------------------------------------------- patterns

KEYWORDS = {"AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "IN", "EXISTS",
            "START", "STOP", "WITHIN", "SECONDS", "REPEATS", "TIMES", "LAST"}
TIMESTAMP = re.compile(r"\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z")
BASE64 = re.compile(r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?")


class PatternError(Exception):
    pass


def tokenize(text):
    tokens = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c in "[]():,*":
            tokens.append((c, c, start))
            i += 1
        elif c == "." and not text[i + 1:i + 2].isdigit():
            tokens.append((".", ".", start))
            i += 1
        elif text.startswith(("==", "!=", "<>", "<=", ">="), i):
            tokens.append(("op", text[i:i + 2], start))
            i += 2
        elif c in "=<>":
            tokens.append(("op", c, start))
            i += 1
        elif c == "'" or (c in "thb" and text[i + 1:i + 2] == "'"):
            kind = {"'": "string", "t": "timestamp", "h": "hex", "b": "binary"}[c]
            i += 1 if c == "'" else 2
            content = []
            while True:
                if i >= len(text):
                    raise PatternError("unterminated literal at %d" % start)
                if text[i] == "'":
                    i += 1
                    break
                if text[i] == "\\" and kind == "string":
                    if text[i + 1:i + 2] not in ("'", "\\"):
                        raise PatternError("bad escape at %d" % i)
                    content.append(text[i + 1])
                    i += 2
                    continue
                content.append(text[i])
                i += 1
            value = "".join(content)
            if kind == "timestamp" and not TIMESTAMP.fullmatch(value):
                raise PatternError("bad timestamp literal at %d" % start)
            if kind == "hex" and not re.fullmatch(r"([0-9a-fA-F]{2})*", value):
                raise PatternError("bad hex literal at %d" % start)
            if kind == "binary" and not BASE64.fullmatch(value):
                raise PatternError("bad binary literal at %d" % start)
            tokens.append((kind, value, start))
        else:
            number = re.compile(r"[+-]?(\d*\.\d+|0|[1-9]\d*)(?![\w.-])").match(text, i)
            if number and (c.isdigit() or c in "+-."):
                literal = number.group(0)
                kind = "float" if "." in literal else "int"
                tokens.append((kind, literal, start))
                i = number.end()
                continue
            word = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(text, i)
            if not word:
                raise PatternError("unexpected character at %d" % i)
            value = word.group(0)
            if value in ("true", "false"):
                tokens.append(("bool", value, start))
            elif value in KEYWORDS:
                tokens.append(("kw", value, start))
            else:
                tokens.append(("ident", value, start))
            i = word.end()
    tokens.append(("end", "", len(text)))
    return tokens


class PatternParser:
    LITERALS = {"string", "int", "float", "bool", "timestamp", "hex", "binary"}

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.at = 0

    def peek(self):
        return self.tokens[self.at]

    def take(self):
        token = self.tokens[self.at]
        if token[0] != "end":
            self.at += 1
        return token

    def expect(self, kind, value=None):
        token = self.take()
        if token[0] != kind or (value is not None and token[1] != value):
            raise PatternError("expected %s at %d" % (value or kind, token[2]))
        return token

    def is_kw(self, word):
        token = self.peek()
        return token[0] == "kw" and token[1] == word

    def parse(self):
        if self.peek()[0] == "end":
            raise PatternError("empty pattern")
        self.followed_by()
        if self.peek()[0] != "end":
            raise PatternError("unexpected token at %d" % self.peek()[2])

    def followed_by(self):
        self.obs_or()
        while self.is_kw("FOLLOWEDBY"):
            self.take()
            self.obs_or()

    def obs_or(self):
        self.obs_and()
        while self.is_kw("OR"):
            self.take()
            self.obs_and()

    def obs_and(self):
        self.qualified()
        while self.is_kw("AND"):
            self.take()
            self.qualified()

    def qualified(self):
        self.observation()
        while True:
            if self.is_kw("WITHIN"):
                self.take()
                token = self.take()
                if token[0] not in ("int", "float") or token[1].startswith("-"):
                    raise PatternError("expected seconds at %d" % token[2])
                self.expect("kw", "SECONDS")
            elif self.is_kw("REPEATS"):
                self.take()
                token = self.take()
                if token[0] != "int" or token[1].startswith("-"):
                    raise PatternError("expected a count at %d" % token[2])
                self.expect("kw", "TIMES")
            elif self.is_kw("START"):
                self.take()
                self.expect("timestamp")
                self.expect("kw", "STOP")
                self.expect("timestamp")
            else:
                return

    def observation(self):
        token = self.take()
        if token[0] == "[":
            self.cmp_or()
            self.expect("]")
        elif token[0] == "(":
            self.followed_by()
            self.expect(")")
        else:
            raise PatternError("expected [ or ( at %d" % token[2])

    def cmp_or(self):
        self.cmp_and()
        while self.is_kw("OR"):
            self.take()
            self.cmp_and()

    def cmp_and(self):
        self.test()
        while self.is_kw("AND"):
            self.take()
            self.test()

    def test(self):
        if self.peek()[0] == "(":
            self.take()
            self.cmp_or()
            self.expect(")")
            return
        if self.is_kw("EXISTS"):
            self.take()
            self.path()
            return
        self.path()
        if self.is_kw("NOT"):
            self.take()
        token = self.take()
        if token[0] == "op":
            value = self.take()
            allowed = self.LITERALS if token[1] in ("=", "==", "!=", "<>") else self.LITERALS - {"bool"}
            if value[0] not in allowed:
                raise PatternError("expected a literal at %d" % value[2])
        elif token[0] == "kw" and token[1] == "IN":
            self.expect("(")
            if self.peek()[0] == ")":
                self.take()
                return
            while True:
                value = self.take()
                if value[0] not in self.LITERALS:
                    raise PatternError("expected a literal at %d" % value[2])
                if self.peek()[0] == ",":
                    self.take()
                    continue
                self.expect(")")
                return
        elif token[0] == "kw" and token[1] in ("LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"):
            self.expect("string")
        else:
            raise PatternError("expected an operator at %d" % token[2])

    def path(self):
        self.expect("ident")
        self.expect(":")
        self.property_name()
        while True:
            if self.peek()[0] == ".":
                self.take()
                self.property_name()
            elif self.peek()[0] == "[" and self.tokens[self.at + 1][0] in ("int", "*"):
                self.take()
                self.take()
                self.expect("]")
            else:
                return

    def property_name(self):
        token = self.take()
        plain = token[0] == "ident" and "-" not in token[1]
        if not plain and token[0] != "string":
            raise PatternError("expected a property name at %d" % token[2])


def pattern_problem(pattern):
    try:
        PatternParser(pattern).parse()
    except PatternError as error:
        return str(error)
    return None


# ---------------------------------------------------------------- checks

def check_tlp2(obj):
    expected = TLP2_MARKINGS.get(obj.get("id"))
    extension = (obj.get("extensions") or {}).get(TLP2_EXTENSION)
    if extension is None:
        return []
    if expected is None:
        return ["carries the TLP 2.0 extension but is not one of the five TLP 2.0 marking ids"]
    problems = []
    name, level = expected
    if obj.get("name") != name:
        problems.append("TLP 2.0 marking name is not %s" % name)
    if extension != {"extension_type": "property-extension", "tlp_2_0": level}:
        problems.append("TLP 2.0 extension is not {extension_type: property-extension, tlp_2_0: %s}" % level)
    if obj.get("created") != "2022-10-01T00:00:00.000Z":
        problems.append("TLP 2.0 marking created is not 2022-10-01T00:00:00.000Z")
    if "definition" in obj or "definition_type" in obj:
        problems.append("TLP 2.0 marking has definition/definition_type")
    return problems


def spec_rules(obj):
    problems = []
    created, modified = parse_time(obj.get("created")), parse_time(obj.get("modified"))
    if created and modified and modified < created:
        problems.append("modified is earlier than created")
    if obj.get("type") == "indicator":
        valid_from, valid_until = parse_time(obj.get("valid_from")), parse_time(obj.get("valid_until"))
        if valid_from and valid_until and not valid_until > valid_from:
            problems.append("valid_until is not later than valid_from")
        if obj.get("pattern_type") == "stix" and isinstance(obj.get("pattern"), str):
            problem = pattern_problem(obj["pattern"])
            if problem:
                problems.append("pattern does not parse: " + problem)
    if obj.get("type") == "marking-definition":
        problems.extend(check_tlp2(obj))
    return problems


def references(obj):
    for key, value in obj.items():
        if key.endswith("_ref") and isinstance(value, str):
            yield value
        elif key.endswith("_refs") and isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))


def validate_file(path, store, by_type, bundle_validator, failures):
    def fail(where, problem):
        failures.append("%s: %s: %s" % (path, where, problem))

    try:
        with open(path, encoding="utf-8") as handle:
            bundle = json.load(handle)
    except (OSError, ValueError) as error:
        fail("-", "not readable JSON: %s" % error)
        return
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        fail("-", "not a STIX bundle")
        return
    # common/bundle.json lists the object schemas in a oneOf; types it leaves
    # out (note, grouping, location, opinion, incident) fall to its "custom
    # object" branch, whose oneOf [core, cyber-observable-core] every such SDO
    # matches twice, so they can never pass there. They are checked against
    # their own schema below instead.
    listed = bundle_listed_types(by_type)
    envelope = dict(bundle)
    envelope["objects"] = [obj for obj in bundle.get("objects") or []
                           if not isinstance(obj, dict) or obj.get("type") in listed
                           or schema_for(obj.get("type"), by_type) is None]
    if not envelope["objects"]:
        envelope.pop("objects")
    for error in bundle_validator.iter_errors(envelope):
        where = "/".join(str(part) for part in error.absolute_path) or bundle.get("id", "bundle")
        fail(where, "bundle schema: " + error.message[:300])
    objects = bundle.get("objects") or []
    ids = set()
    versions = set()
    for position, obj in enumerate(objects, 1):
        if not isinstance(obj, dict):
            fail("object %d" % position, "not an object")
            continue
        name = obj.get("id") or "object %d" % position
        ids.add(obj.get("id"))
        version = (obj.get("id"), obj.get("modified") or obj.get("created"))
        if version in versions:
            fail(name, "the same id and version appear twice")
        versions.add(version)
        schema = schema_for(obj.get("type"), by_type)
        if schema is None:
            if not str(obj.get("type", "")).startswith("x-"):
                fail(name, "no schema for type %r" % obj.get("type"))
        else:
            validator = make_validator(schema, store)
            for error in validator.iter_errors(obj):
                fail(name, "schema %s: %s" % (obj.get("type"), error.message[:300]))
        for problem in spec_rules(obj):
            fail(name, problem)
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        for ref in references(obj):
            if ref not in ids and ref not in WELL_KNOWN:
                fail(obj.get("id"), "refers to %s, which is not in the bundle" % ref)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    parser.add_argument("--pattern", action="append", default=[],
                        help="check a pattern's syntax only (repeatable); no bundles needed")
    parser.add_argument("bundles", nargs="*")
    args = parser.parse_args()
    failures = []
    for pattern in args.pattern:
        problem = pattern_problem(pattern)
        if problem:
            failures.append("pattern %r: %s" % (pattern, problem))
    if args.bundles:
        store, by_type = load_schemas(args.schemas)
        if ("common", "bundle") not in by_type:
            print("validate_stix.py: no schemas in %s" % args.schemas, file=sys.stderr)
            return 2
        bundle_validator = make_validator(by_type[("common", "bundle")], store)
        for path in args.bundles:
            validate_file(path, store, by_type, bundle_validator, failures)
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
